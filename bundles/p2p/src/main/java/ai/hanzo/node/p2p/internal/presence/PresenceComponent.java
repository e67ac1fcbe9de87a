package ai.hanzo.node.p2p.internal.presence;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.event.EventTypes;
import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.inference.InferenceEngine;
import ai.hanzo.node.api.inference.InferenceService;
import ai.hanzo.node.api.inference.ModelInfo;
import ai.hanzo.node.api.inference.ModelState;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.p2p.NodeDirectory;
import ai.hanzo.node.api.p2p.PeerNetwork;
import ai.hanzo.node.api.p2p.RemoteNode;
import ai.hanzo.node.api.runtime.ContainerRuntime;
import ai.hanzo.node.p2p.internal.P2pConfig;
import ai.hanzo.node.p2p.internal.P2pNode;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the node on the network: derives its capabilities from the runtimes, engines and models
 * registered in the framework (so a plugin bundle that comes or goes changes them at once),
 * announces them and its deployment changes through {@link NodePresence}, and registers the
 * resulting {@link NodeDirectory}.
 *
 * <p>Capabilities are {@code runtime:<name>} and {@code engine:<name>} for each plugin whose
 * self-test passes, {@code model:<id>} for each model serving, plus the operator's own from {@code
 * hanzo.capabilities} or the {@code capabilities} setting.
 */
@Component(service = NodeDirectory.class, configurationPid = "ai.hanzo.node.p2p", immediate = true)
public final class PresenceComponent implements NodeDirectory {
    // self-tests can change without any service event (a Docker daemon that starts later)
    private static final long RECHECK_SECONDS = 30;

    private final Logger logger = LoggerFactory.getLogger(PresenceComponent.class);
    private final ScheduledExecutorService presenceThread =
            Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "hanzo-p2p-presence"));
    // self-tests may block (a Docker ping): they run apart from the heartbeat thread
    private final ScheduledExecutorService capabilityThread =
            Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "hanzo-p2p-capabilities"));
    private final NodePresence presence;
    private final List<String> declared;
    private final Map<ContainerRuntime, String> runtimes = new ConcurrentHashMap<>();
    private final Map<InferenceEngine, String> engines = new ConcurrentHashMap<>();
    private final Map<String, String> lastSelfTestFailure = new ConcurrentHashMap<>();
    private volatile InferenceService inference;
    private volatile StakingService staking;
    private volatile boolean warnedNoChain;
    private final Map<EventBus, Subscription> events = new ConcurrentHashMap<>();

    /**
     * @param context framework properties: {@code hanzo.network.id}, {@code hanzo.node.id}, {@code
     *     hanzo.capabilities}
     * @param config the P2P configuration
     * @param network the node's libp2p network
     * @param nodeLifecycle the node, for its id; null when the core is not installed (the peer id
     *     stands in)
     */
    @Activate
    public PresenceComponent(
            BundleContext context,
            P2pConfig config,
            @Reference PeerNetwork network,
            @Reference(
                            cardinality = ReferenceCardinality.OPTIONAL,
                            policyOption = ReferencePolicyOption.GREEDY)
                    NodeLifecycle nodeLifecycle) {
        String networkId = prop(context, "hanzo.network.id", "hanzo-local");
        String nodeId =
                nodeLifecycle != null
                        ? nodeLifecycle.info().nodeId()
                        : prop(context, "hanzo.node.id", network.localPeerId());
        String declaredProp = context.getProperty("hanzo.capabilities");
        List<String> declaredRaw =
                declaredProp != null && !declaredProp.isBlank()
                        ? Arrays.asList(declaredProp.split(","))
                        // a .cfg file gives one string "a,b" where Config Admin would give an array
                        : Arrays.stream(config.capabilities())
                                .flatMap(c -> Arrays.stream(c.split(",")))
                                .toList();
        this.declared = declaredRaw.stream().map(String::trim).filter(c -> !c.isEmpty()).toList();
        this.presence =
                new NodePresence(
                                network,
                                nodeId,
                                networkId,
                                Duration.ofSeconds(Math.max(1, config.heartbeat_interval_s())),
                                presenceThread,
                                Clock.systemUTC(),
                                P2pNode.AGENT)
                        .acceptHeartbeatsFrom(
                                config.registered_only() ? this::registeredOnChain : peer -> true)
                        .start();
        capabilityThread.scheduleWithFixedDelay(
                this::recompute, 0, RECHECK_SECONDS, TimeUnit.SECONDS);
        logger.info("Announcing node {} on network {}", nodeId, networkId);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static String prop(BundleContext ctx, String name, String fallback) {
        String v = ctx.getProperty(name);
        return v != null && !v.isBlank() ? v.trim() : fallback;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addRuntime(ContainerRuntime runtime, Map<String, Object> props) {
        runtimes.put(runtime, name(props.get(ContainerRuntime.NAME_PROPERTY), runtime::name));
        recomputeSoon();
    }

    void removeRuntime(ContainerRuntime runtime) {
        runtimes.remove(runtime);
        recomputeSoon();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addEngine(InferenceEngine engine, Map<String, Object> props) {
        engines.put(engine, name(props.get(InferenceEngine.NAME_PROPERTY), engine::name));
        recomputeSoon();
    }

    void removeEngine(InferenceEngine engine) {
        engines.remove(engine);
        recomputeSoon();
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setInference(InferenceService service) {
        inference = service;
        recomputeSoon();
    }

    void unsetInference(InferenceService service) {
        if (inference == service) {
            inference = null;
            recomputeSoon();
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void setEventBus(EventBus bus) {
        events.put(
                bus,
                bus.subscribe(
                        Set.of(EventTypes.DEPLOYMENT_STATE, EventTypes.MODEL, EventTypes.PLUGIN),
                        this::eventSeen));
    }

    void unsetEventBus(EventBus bus) {
        Subscription s = events.remove(bus);
        if (s != null) {
            s.close();
        }
    }

    private void eventSeen(NodeEvent e) {
        if (e.type().equals(EventTypes.DEPLOYMENT_STATE)) {
            String state = e.attributes().getOrDefault("state", "");
            presence.deploymentChanged(e.resourceId(), state.toUpperCase(Locale.ROOT), e.message());
        } else {
            recomputeSoon();
        }
    }

    private static String name(Object property, java.util.function.Supplier<String> fallback) {
        if (property instanceof String s && !s.isBlank()) {
            return s;
        }
        try {
            return fallback.get();
        } catch (RuntimeException e) {
            return "unnamed";
        }
    }

    private void recomputeSoon() {
        try {
            capabilityThread.execute(this::recompute);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // deactivated
        }
    }

    private void recompute() {
        Set<String> caps = new TreeSet<>(declared);
        runtimes.forEach(
                (r, name) -> {
                    if (passes("runtime", name, r::selfTest)) {
                        caps.add("runtime:" + name);
                    }
                });
        engines.forEach(
                (e, name) -> {
                    if (passes("engine", name, e::selfTest)) {
                        caps.add("engine:" + name);
                    }
                });
        InferenceService svc = inference;
        if (svc != null) {
            try {
                for (ModelInfo m : svc.models()) {
                    // only what it can serve now: a loading or failed model is not a capability
                    if (m.state() == ModelState.READY) {
                        caps.add("model:" + m.modelId());
                    }
                }
            } catch (RuntimeException ex) {
                logger.warn("Cannot list the models to announce: {}", ex.toString());
            }
        }
        presence.capabilities(caps);
    }

    private boolean passes(
            String kind, String name, java.util.function.Supplier<Availability> selfTest) {
        try {
            Availability a = selfTest.get();
            if (!a.available()) {
                logger.debug("Not announcing {} {}: {}", kind, name, a.reason());
            }
            return a.available();
        } catch (RuntimeException e) {
            // a crashing plugin is left out, not allowed to stop the others being announced; said
            // once, not every recheck
            if (!e.toString().equals(lastSelfTestFailure.put(kind + ":" + name, e.toString()))) {
                logger.warn("The self-test of {} {} failed: {}", kind, name, e.toString());
            }
            return false;
        }
    }

    /** Stops announcing; peers drop this node after three silent heartbeat intervals. */
    @Deactivate
    public void deactivate() {
        events.values().forEach(Subscription::close);
        capabilityThread.shutdownNow();
        presence.close();
        presenceThread.shutdown();
        try {
            presenceThread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public List<RemoteNode> nodes() {
        return presence.nodes();
    }

    @Override
    public Optional<RemoteNode> node(String peerId) {
        return presence.node(peerId);
    }

    @Override
    public Set<String> localCapabilities() {
        return presence.localCapabilities();
    }

    @Override
    public Subscription onChange(Consumer<RemoteNode> listener) {
        return presence.onChange(listener);
    }

    /** The heartbeat filter of {@code registered_only}: the chain client's cache, never waiting. */
    private boolean registeredOnChain(String peerId) {
        StakingService chain = staking;
        if (chain == null) {
            if (!warnedNoChain) {
                warnedNoChain = true;
                logger.warn(
                        "registered_only is set but no chain client runs (configure"
                                + " ai.hanzo.node.chain): accepting every node's heartbeat");
            }
            return true;
        }
        return chain.cachedPeerStake(peerId).map(p -> p.registered() && !p.slashed()).orElse(false);
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindStaking(StakingService staking) {
        this.staking = staking;
    }

    void unbindStaking(StakingService staking) {
        if (this.staking == staking) {
            this.staking = null;
        }
    }
}
