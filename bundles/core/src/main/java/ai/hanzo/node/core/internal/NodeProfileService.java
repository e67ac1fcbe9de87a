package ai.hanzo.node.core.internal;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.DeadlineExceededException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.event.EventTypes;
import ai.hanzo.node.api.inference.InferenceEngine;
import ai.hanzo.node.api.inference.InferenceService;
import ai.hanzo.node.api.inference.ModelInfo;
import ai.hanzo.node.api.inference.ModelState;
import ai.hanzo.node.api.node.GpuInfo;
import ai.hanzo.node.api.node.MetricsSample;
import ai.hanzo.node.api.node.NodeCapabilities;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeMetrics;
import ai.hanzo.node.api.node.NodeProfile;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.node.NodeState;
import ai.hanzo.node.api.node.SelfTestResult;
import ai.hanzo.node.api.runtime.ContainerRuntime;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.api.store.NodeStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one source of the node's capabilities and metrics ({@link NodeProfile}). Self-tests of the
 * bound runtimes and engines run on the node scheduler's workers, all at once, each with a
 * deadline; a plugin whose previous self-test has not returned yet is not asked again (so a hung
 * plugin holds one thread, not one per recheck) and counts as unavailable. Readers get the last
 * results.
 *
 * <p>No self-test runs while the node is {@link NodeState#STARTING}: a plugin that joins during the
 * start is listed with no result (so it is no capability yet) until the first round, which runs as
 * soon as the node is READY. Testing an engine starts it (ONNX Runtime loads its natives, on a
 * fresh data directory it unpacks them first) and testing Docker builds its clients: seconds of CPU
 * that would compete with the start itself on a small machine.
 */
@Component(
        service = NodeProfile.class,
        immediate = true,
        configurationPid = "ai.hanzo.node.profile")
@Designate(ocd = NodeProfileService.Config.class)
public final class NodeProfileService implements NodeProfile {
    /** PID {@code ai.hanzo.node.profile}. */
    @ObjectClassDefinition(name = "Hanzo node capabilities and metrics")
    @interface Config {
        @AttributeDefinition(description = "Seconds a plugin's self-test may take")
        int selfTestTimeoutSeconds() default 5;

        @AttributeDefinition(
                description = "Seconds between self-test rounds (a Docker daemon may start later)")
        int recheckSeconds() default 30;

        @AttributeDefinition(description = "Seconds between metrics samples kept in the store")
        int historySeconds() default 10;

        @AttributeDefinition(
                description = "Capabilities the operator declares (hanzo.capabilities overrides)")
        String[] capabilities() default {};

        @AttributeDefinition(description = "Region label (hanzo.region overrides)")
        String region() default "";

        @AttributeDefinition(description = "Zone label (hanzo.zone overrides)")
        String zone() default "";
    }

    // a metrics sample younger than this is served as is: readers at any rate share one reading
    private static final long FRESH_NANOS = 900_000_000L;

    private final Logger logger = LoggerFactory.getLogger(NodeProfileService.class);
    private final NodeScheduler scheduler;
    private final Duration selfTestTimeout;
    private final List<String> declared;
    private final String region;
    private final String zone;
    private final SystemResources resources;
    private final Clock clock = Clock.systemUTC();

    // held while a plugin joins or leaves and while a self-test round is filed under it: a round
    // filed for a plugin that already left (a refresh racing its removal, as plugin events start
    // refreshes) would keep that plugin's service object, and so its class loader, for good
    private final Object membership = new Object();
    private final Map<Object, Plugin> plugins = new ConcurrentHashMap<>();
    private final Map<Object, SelfTestResult> results = new ConcurrentHashMap<>();
    // plugins whose self-test call has not returned, even if its deadline passed
    private final Map<Object, Instant> stillRunning = new ConcurrentHashMap<>();
    private final Map<Object, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();
    private final Map<Object, String> lastFailure = new ConcurrentHashMap<>();
    private final List<Consumer<NodeCapabilities>> listeners = new CopyOnWriteArrayList<>();
    private final Map<EventBus, Subscription> eventSubscriptions = new ConcurrentHashMap<>();
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();

    private volatile InferenceService inference;
    private volatile NodeStore store;
    private volatile List<String> models = List.of();
    private volatile List<GpuInfo> gpus = List.of();
    private volatile NodeCapabilities capabilities;
    private volatile Set<String> tags = Set.of();
    private volatile boolean active = true;
    // false while the node starts: self-tests wait for READY (see the class comment)
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile Subscription stateSubscription;

    private volatile NodeMetrics lastMetrics;
    private volatile long lastMetricsNanos;
    private final java.util.concurrent.atomic.AtomicBoolean sampling =
            new java.util.concurrent.atomic.AtomicBoolean();

    private record Plugin(String kind, String name, Callable<Availability> selfTest) {}

    /**
     * @param context framework properties {@code hanzo.capabilities}, {@code hanzo.region}, {@code
     *     hanzo.zone}
     * @param lifecycle the node, for its data directory
     * @param scheduler where self-tests and samples run
     * @param config timeouts and declared labels
     */
    @Activate
    public NodeProfileService(
            BundleContext context,
            @Reference NodeLifecycle lifecycle,
            @Reference NodeScheduler scheduler,
            Config config) {
        this(
                property(context, "hanzo.capabilities")
                        .map(p -> List.of(p.split(",")))
                        .orElse(
                                Arrays.stream(config.capabilities())
                                        .flatMap(c -> Arrays.stream(c.split(",")))
                                        .toList()),
                property(context, "hanzo.region").orElse(config.region()),
                property(context, "hanzo.zone").orElse(config.zone()),
                scheduler,
                Duration.ofSeconds(Math.max(1, config.selfTestTimeoutSeconds())),
                new SystemResources(Path.of("/proc"), lifecycle.info().dataDirectory()),
                false);
        // listen first, then look: a move to READY in between is seen by one of the two
        stateSubscription =
                lifecycle.onStateChange(
                        change -> {
                            if (change.to() != NodeState.STARTING) {
                                nodeStarted();
                            }
                        });
        if (lifecycle.state() != NodeState.STARTING) {
            nodeStarted();
        }
        timers.add(
                scheduler.scheduleWithFixedDelay(
                        "capability self-tests",
                        this::refresh,
                        Duration.ofSeconds(Math.max(1, config.recheckSeconds())),
                        Duration.ofSeconds(Math.max(1, config.recheckSeconds()))));
        timers.add(
                scheduler.scheduleWithFixedDelay(
                        "metrics history",
                        this::recordHistory,
                        Duration.ofSeconds(Math.max(1, config.historySeconds())),
                        Duration.ofSeconds(Math.max(1, config.historySeconds()))));
        scheduler.submit("GPU inventory", this::probeGpus, Duration.ofSeconds(10));
    }

    /** For tests: everything given, no timers, the node already started. */
    NodeProfileService(
            List<String> declared,
            String region,
            String zone,
            NodeScheduler scheduler,
            Duration selfTestTimeout,
            SystemResources resources) {
        this(declared, region, zone, scheduler, selfTestTimeout, resources, true);
    }

    /**
     * For tests: everything given, no timers.
     *
     * @param started whether the node is past STARTING; if not, self-tests wait for {@link
     *     #nodeStarted}
     */
    NodeProfileService(
            List<String> declared,
            String region,
            String zone,
            NodeScheduler scheduler,
            Duration selfTestTimeout,
            SystemResources resources,
            boolean started) {
        this.started.set(started);
        this.scheduler = scheduler;
        this.selfTestTimeout = selfTestTimeout;
        this.declared = declared.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        this.region = region.trim();
        this.zone = zone.trim();
        this.resources = resources;
        this.capabilities = compute();
        this.tags = tagsOf(capabilities);
        metrics();
    }

    private static java.util.Optional<String> property(BundleContext context, String name) {
        return java.util.Optional.ofNullable(context.getProperty(name)).filter(s -> !s.isBlank());
    }

    /**
     * The node left STARTING: the first self-test round of every plugin bound so far. Called once
     * per service; later calls do nothing.
     *
     * @return that round, or a completed future if it ran already
     */
    CompletableFuture<NodeCapabilities> nodeStarted() {
        if (!started.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(capabilities);
        }
        return refresh();
    }

    @Deactivate
    void deactivate() {
        active = false;
        Subscription subscription = stateSubscription;
        if (subscription != null) {
            subscription.close();
        }
        timers.forEach(t -> t.cancel(false));
        eventSubscriptions.values().forEach(Subscription::close);
    }

    // --- readers

    @Override
    public NodeCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public Set<String> capabilityTags() {
        return tags;
    }

    @Override
    public List<SelfTestResult> selfTests() {
        return results.values().stream()
                .sorted(
                        Comparator.comparing(SelfTestResult::kind)
                                .thenComparing(SelfTestResult::name))
                .toList();
    }

    /**
     * The last sample; when it is older than {@link #FRESH_NANOS} a new one is taken on a worker,
     * so readers (every GetStatus) never wait for /proc and the store. Only the very first reading
     * samples on the caller's thread.
     */
    @Override
    public NodeMetrics metrics() {
        NodeMetrics current = lastMetrics;
        if (current == null) {
            synchronized (this) {
                if (lastMetrics == null) {
                    sample();
                }
                return lastMetrics;
            }
        }
        if (System.nanoTime() - lastMetricsNanos >= FRESH_NANOS
                && sampling.compareAndSet(false, true)) {
            try {
                scheduler
                        .submit(
                                "metrics sample",
                                () -> {
                                    try {
                                        sample();
                                    } finally {
                                        sampling.set(false);
                                    }
                                    return null;
                                })
                        .exceptionally(
                                e -> {
                                    sampling.set(false);
                                    return null;
                                });
            } catch (RuntimeException e) {
                sampling.set(false);
            }
        }
        return current;
    }

    private synchronized void sample() {
        long now = System.nanoTime();
        lastMetrics = resources.sample(activeContainers(), now);
        lastMetricsNanos = now;
    }

    private int activeContainers() {
        NodeStore current = store;
        if (current == null) {
            return 0;
        }
        try {
            return (int)
                    current.containers().stream()
                            .filter(c -> c.state() == ContainerState.RUNNING)
                            .count();
        } catch (RuntimeException e) {
            logger.debug("Cannot count the running containers: {}", e.toString());
            return 0;
        }
    }

    @Override
    public Subscription onCapabilitiesChange(Consumer<NodeCapabilities> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    // --- measuring

    @Override
    public CompletableFuture<NodeCapabilities> refresh() {
        List<CompletableFuture<?>> rounds = new ArrayList<>();
        plugins.forEach((key, plugin) -> rounds.add(selfTest(key, plugin)));
        InferenceService service = inference;
        if (service != null) {
            rounds.add(
                    scheduler
                            .submit("list models", service::models, selfTestTimeout)
                            .handle(
                                    (list, failure) -> {
                                        if (failure != null) {
                                            logger.warn(
                                                    "Cannot list the loaded models: {}",
                                                    reason(failure));
                                        } else if (inference == service) {
                                            // only what it can serve now: a loading or
                                            // failed model is not a capability
                                            models =
                                                    list.stream()
                                                            .filter(
                                                                    m ->
                                                                            m.state()
                                                                                    == ModelState
                                                                                            .READY)
                                                            .map(ModelInfo::modelId)
                                                            .sorted()
                                                            .toList();
                                        }
                                        return null;
                                    }));
        } else {
            models = List.of();
        }
        return CompletableFuture.allOf(rounds.toArray(CompletableFuture[]::new))
                .handle((v, e) -> publish());
    }

    private CompletableFuture<Void> selfTest(Object key, Plugin plugin) {
        if (!plugins.containsKey(key) || !started.get()) {
            // left after a refresh listed it, or the node still starts (tested once it is READY)
            return CompletableFuture.completedFuture(null);
        }
        Instant started = clock.instant();
        CompletableFuture<Void> pending = inFlight.get(key);
        if (pending != null && !pending.isDone()) {
            return pending;
        }
        Instant hungSince = stillRunning.get(key);
        if (hungSince != null) {
            // its last call passed the deadline and has still not returned: do not pile on
            SelfTestResult previous = results.get(key);
            if (previous == null || previous.availability().available()) {
                record(
                        key,
                        plugin,
                        Availability.unavailable(
                                "its self-test has not returned since " + hungSince),
                        Duration.ZERO);
            }
            return CompletableFuture.completedFuture(null);
        }
        stillRunning.put(key, started);
        Callable<Availability> guarded =
                () -> {
                    try {
                        return plugin.selfTest().call();
                    } finally {
                        stillRunning.remove(key);
                    }
                };
        CompletableFuture<Void> round =
                scheduler
                        .submit(
                                "self-test of " + plugin.kind() + " " + plugin.name(),
                                guarded,
                                selfTestTimeout)
                        .handle(
                                (availability, failure) -> {
                                    Availability outcome;
                                    if (failure != null) {
                                        if (!(unwrap(failure)
                                                instanceof DeadlineExceededException)) {
                                            // never started (queue full) or threw
                                            stillRunning.remove(key);
                                        }
                                        outcome = Availability.unavailable(reason(failure));
                                    } else if (availability == null) {
                                        outcome =
                                                Availability.unavailable(
                                                        "its self-test returned nothing");
                                    } else {
                                        outcome = availability;
                                    }
                                    record(
                                            key,
                                            plugin,
                                            outcome,
                                            Duration.between(started, clock.instant()));
                                    return null;
                                });
        synchronized (membership) {
            if (plugins.containsKey(key)) {
                inFlight.put(key, round);
            }
        }
        return round;
    }

    private void record(Object key, Plugin plugin, Availability outcome, Duration took) {
        String failure = outcome.available() ? null : outcome.reason();
        String before;
        synchronized (membership) {
            // the plugin may have left while its self-test ran
            if (!plugins.containsKey(key)) {
                return;
            }
            results.put(
                    key,
                    new SelfTestResult(
                            plugin.kind(), plugin.name(), outcome, took, clock.instant()));
            before = failure == null ? lastFailure.remove(key) : lastFailure.put(key, failure);
        }
        // said once per change, not every recheck
        if (failure != null && !failure.equals(before)) {
            logger.warn("{} {} is not available: {}", plugin.kind(), plugin.name(), failure);
        } else if (failure == null && before != null) {
            logger.info("{} {} is available again", plugin.kind(), plugin.name());
        }
    }

    private String reason(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof DeadlineExceededException) {
            return "its self-test did not answer within "
                    + (selfTestTimeout.toMillis() % 1000 == 0
                            ? selfTestTimeout.toSeconds() + " s"
                            : selfTestTimeout.toMillis() + " ms");
        }
        String message = cause.getMessage();
        return "its self-test failed: "
                + (message == null || message.isBlank()
                        ? cause.getClass().getSimpleName()
                        : message);
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private Void probeGpus() throws Exception {
        gpus = GpuInventory.probe();
        publish();
        return null;
    }

    private void recordHistory() {
        NodeStore current = store;
        if (current != null && active) {
            current.appendMetrics(new MetricsSample(clock.instant(), metrics()));
        }
    }

    private synchronized NodeCapabilities publish() {
        NodeCapabilities next = compute();
        NodeCapabilities before = capabilities;
        capabilities = next;
        tags = tagsOf(next);
        if (!next.equals(before) && active) {
            for (Consumer<NodeCapabilities> listener : listeners) {
                try {
                    listener.accept(next);
                } catch (RuntimeException e) {
                    logger.warn("A capabilities listener failed: {}", e.toString());
                }
            }
        }
        return next;
    }

    private NodeCapabilities compute() {
        List<String> runtimes = available("runtime");
        List<String> engines = available("engine");
        return new NodeCapabilities(
                Runtime.getRuntime().availableProcessors(),
                resources.memoryBytes(),
                resources.diskBytes(),
                gpus,
                engines.contains("mlx"),
                runtimes,
                engines,
                models,
                region,
                zone);
    }

    private List<String> available(String kind) {
        return plugins.entrySet().stream()
                .filter(e -> e.getValue().kind().equals(kind))
                .filter(
                        e -> {
                            SelfTestResult r = results.get(e.getKey());
                            return r != null && r.availability().available();
                        })
                .map(e -> e.getValue().name())
                .distinct()
                .sorted()
                .toList();
    }

    private Set<String> tagsOf(NodeCapabilities c) {
        Set<String> all = new TreeSet<>(declared);
        c.runtimes().forEach(r -> all.add("runtime:" + r));
        c.engines().forEach(e -> all.add("engine:" + e));
        c.models().forEach(m -> all.add("model:" + m));
        return Set.copyOf(all);
    }

    // --- plugins coming and going

    private void added(Object key, Plugin plugin) {
        synchronized (membership) {
            plugins.put(key, plugin);
        }
        selfTest(key, plugin).handle((v, e) -> publish());
    }

    private void removed(Object key) {
        synchronized (membership) {
            plugins.remove(key);
            results.remove(key);
            inFlight.remove(key);
            lastFailure.remove(key);
        }
        publish();
    }

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addRuntime(ContainerRuntime runtime, Map<String, Object> properties) {
        added(
                runtime,
                new Plugin(
                        "runtime",
                        name(properties.get(ContainerRuntime.NAME_PROPERTY), runtime::name),
                        runtime::selfTest));
    }

    void removeRuntime(ContainerRuntime runtime) {
        removed(runtime);
    }

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addEngine(InferenceEngine engine, Map<String, Object> properties) {
        added(
                engine,
                new Plugin(
                        "engine",
                        name(properties.get(InferenceEngine.NAME_PROPERTY), engine::name),
                        engine::selfTest));
    }

    void removeEngine(InferenceEngine engine) {
        removed(engine);
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setInference(InferenceService service) {
        inference = service;
        refresh();
    }

    void unsetInference(InferenceService service) {
        if (inference == service) {
            inference = null;
            models = List.of();
            publish();
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setStore(NodeStore nodeStore) {
        store = nodeStore;
    }

    void unsetStore(NodeStore nodeStore) {
        if (store == nodeStore) {
            store = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addEventBus(EventBus bus) {
        // a model loaded or unloaded changes what the node serves
        eventSubscriptions.put(
                bus, bus.subscribe(Set.of(EventTypes.MODEL, EventTypes.PLUGIN), e -> refresh()));
    }

    void removeEventBus(EventBus bus) {
        Subscription subscription = eventSubscriptions.remove(bus);
        if (subscription != null) {
            subscription.close();
        }
    }

    private static String name(Object property, Supplier<String> fallback) {
        if (property instanceof String s && !s.isBlank()) {
            return s;
        }
        try {
            return fallback.get();
        } catch (RuntimeException e) {
            return "unnamed";
        }
    }
}
