package ai.hanzo.node.p2p.internal.presence;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.event.EventTypes;
import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeProfile;
import ai.hanzo.node.api.p2p.NodeDirectory;
import ai.hanzo.node.api.p2p.PeerNetwork;
import ai.hanzo.node.api.p2p.RemoteNode;
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
 * Puts the node on the network: announces the node's capabilities, as the core's {@link
 * NodeProfile} measures them (so a plugin bundle that comes or goes changes them at once), and its
 * deployment changes through {@link NodePresence}, and registers the resulting {@link
 * NodeDirectory}.
 *
 * <p>Capabilities are the profile's tags ({@code runtime:<name>} and {@code engine:<name>} for each
 * plugin whose self-test passes, {@code model:<id>} for each model serving, the operator's declared
 * ones from {@code hanzo.capabilities}) plus any in this bundle's {@code capabilities} setting. The
 * self-tests themselves run in the profile, in parallel and with deadlines.
 */
@Component(service = NodeDirectory.class, configurationPid = "ai.hanzo.node.p2p", immediate = true)
public final class PresenceComponent implements NodeDirectory {
    private final Logger logger = LoggerFactory.getLogger(PresenceComponent.class);
    private final ScheduledExecutorService presenceThread =
            Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "hanzo-p2p-presence"));
    private final NodePresence presence;
    private final List<String> declared;
    private final NodeProfile profile;
    private final Subscription capabilityChanges;
    private volatile StakingService staking;
    private volatile boolean warnedNoChain;
    private final Map<EventBus, Subscription> events = new ConcurrentHashMap<>();

    /**
     * @param context framework properties: {@code hanzo.network.id}, {@code hanzo.node.id}, {@code
     *     hanzo.capabilities}
     * @param config the P2P configuration
     * @param network the node's libp2p network
     * @param profile the node's capabilities
     * @param nodeLifecycle the node, for its id; null when the core is not installed (the peer id
     *     stands in)
     */
    @Activate
    public PresenceComponent(
            BundleContext context,
            P2pConfig config,
            @Reference PeerNetwork network,
            @Reference NodeProfile profile,
            @Reference(
                            cardinality = ReferenceCardinality.OPTIONAL,
                            policyOption = ReferencePolicyOption.GREEDY)
                    NodeLifecycle nodeLifecycle) {
        String networkId = prop(context, "hanzo.network.id", "hanzo-local");
        String nodeId =
                nodeLifecycle != null
                        ? nodeLifecycle.info().nodeId()
                        : prop(context, "hanzo.node.id", network.localPeerId());
        // a .cfg file gives one string "a,b" where Config Admin would give an array
        this.declared =
                Arrays.stream(config.capabilities())
                        .flatMap(c -> Arrays.stream(c.split(",")))
                        .map(String::trim)
                        .filter(c -> !c.isEmpty())
                        .toList();
        this.profile = profile;
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
        capabilityChanges = profile.onCapabilitiesChange(c -> recompute());
        recompute();
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
    void setEventBus(EventBus bus) {
        events.put(bus, bus.subscribe(Set.of(EventTypes.DEPLOYMENT_STATE), this::eventSeen));
    }

    void unsetEventBus(EventBus bus) {
        Subscription s = events.remove(bus);
        if (s != null) {
            s.close();
        }
    }

    private void eventSeen(NodeEvent e) {
        String state = e.attributes().getOrDefault("state", "");
        presence.deploymentChanged(e.resourceId(), state.toUpperCase(Locale.ROOT), e.message());
    }

    private void recompute() {
        Set<String> caps = new TreeSet<>(declared);
        caps.addAll(profile.capabilityTags());
        presence.capabilities(caps);
    }

    /** Stops announcing; peers drop this node after three silent heartbeat intervals. */
    @Deactivate
    public void deactivate() {
        events.values().forEach(Subscription::close);
        capabilityChanges.close();
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
        StakingService chain = staking;
        return presence.nodes().stream().map(n -> withStake(n, chain)).toList();
    }

    @Override
    public Optional<RemoteNode> node(String peerId) {
        StakingService chain = staking;
        return presence.node(peerId).map(n -> withStake(n, chain));
    }

    /**
     * The node with its operator's stake from the chain client's peer-stake cache: never waits on
     * the chain (a peer not read yet, or read too long ago, is read in the background).
     */
    static RemoteNode withStake(RemoteNode node, StakingService chain) {
        return chain == null ? node : node.withStake(chain.cachedPeerStake(node.peerId()));
    }

    @Override
    public Set<String> localCapabilities() {
        return presence.localCapabilities();
    }

    @Override
    public Subscription onChange(Consumer<RemoteNode> listener) {
        return presence.onChange(node -> listener.accept(withStake(node, staking)));
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
