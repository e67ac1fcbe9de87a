package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.DeadlineExceededException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.compute.ContainerRecord;
import ai.hanzo.node.api.compute.Deployment;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.node.HealthReport;
import ai.hanzo.node.api.node.MetricsSample;
import ai.hanzo.node.api.node.NodeCapabilities;
import ai.hanzo.node.api.node.NodeInfo;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeMetrics;
import ai.hanzo.node.api.node.NodeProfile;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.node.NodeState;
import ai.hanzo.node.api.node.NodeStateChange;
import ai.hanzo.node.api.node.SelfTestResult;
import ai.hanzo.node.api.store.KvChange;
import ai.hanzo.node.api.store.NodeStore;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The node around the gRPC server in unit tests: its lifecycle, scheduler, profile, store and event
 * bus as small in-memory implementations of the api, so the server's own logic is what is tested.
 */
final class TestNode implements NodeLifecycle {
    final Path data;
    volatile NodeState state = NodeState.READY;
    final List<Consumer<NodeStateChange>> stateListeners = new CopyOnWriteArrayList<>();
    final Scheduler scheduler = new Scheduler();
    final Profile profile = new Profile();
    final MemoryStore store = new MemoryStore();
    final Bus bus = new Bus();

    TestNode(Path data) {
        this.data = data;
    }

    void moveTo(NodeState next) {
        NodeState before = state;
        state = next;
        stateListeners.forEach(
                l -> l.accept(new NodeStateChange(before, next, Instant.now(), "test")));
    }

    @Override
    public NodeInfo info() {
        return new NodeInfo("n1", "1.2.3", "hanzo-test", "", data, Instant.EPOCH);
    }

    @Override
    public NodeState state() {
        return state;
    }

    @Override
    public Duration uptime() {
        return Duration.ofSeconds(42);
    }

    @Override
    public HealthReport health() {
        return new HealthReport(state.health(), state, List.of());
    }

    @Override
    public void drain(String reason, Duration timeout) {
        moveTo(NodeState.DRAINING);
    }

    @Override
    public Subscription onStateChange(Consumer<NodeStateChange> listener) {
        stateListeners.add(listener);
        return () -> stateListeners.remove(listener);
    }

    void stop() {
        scheduler.timers.shutdownNow();
        scheduler.workers.shutdownNow();
    }

    /** Timers and workers, counting the periodic tasks still scheduled. */
    static final class Scheduler implements NodeScheduler {
        final ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(2);
        final ThreadPoolExecutor workers =
                new ThreadPoolExecutor(
                        4,
                        4,
                        1,
                        TimeUnit.SECONDS,
                        new java.util.concurrent.LinkedBlockingQueue<>());
        final Map<String, ScheduledFuture<?>> periodic = new ConcurrentHashMap<>();
        final AtomicInteger count = new AtomicInteger();

        Scheduler() {
            timers.setRemoveOnCancelPolicy(true);
        }

        long periodic(String name) {
            return periodic.entrySet().stream()
                    .filter(e -> e.getKey().startsWith(name + "#") && !e.getValue().isDone())
                    .count();
        }

        @Override
        public ScheduledFuture<?> schedule(String name, Runnable task, Duration delay) {
            return timers.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(
                String name, Runnable task, Duration initialDelay, Duration period) {
            ScheduledFuture<?> f =
                    timers.scheduleWithFixedDelay(
                            () -> {
                                try {
                                    task.run();
                                } catch (RuntimeException e) {
                                    // as the node's scheduler: logged, the schedule goes on
                                }
                            },
                            initialDelay.toNanos(),
                            period.toNanos(),
                            TimeUnit.NANOSECONDS);
            periodic.put(name + "#" + count.incrementAndGet(), f);
            return f;
        }

        @Override
        public <T> CompletableFuture<T> submit(String name, Callable<T> task) {
            CompletableFuture<T> result = new CompletableFuture<>();
            workers.execute(
                    () -> {
                        try {
                            result.complete(task.call());
                        } catch (Throwable e) {
                            result.completeExceptionally(e);
                        }
                    });
            return result;
        }

        @Override
        public <T> CompletableFuture<T> submit(String name, Callable<T> task, Duration timeout) {
            return submit(name, task)
                    .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .exceptionallyCompose(
                            e ->
                                    CompletableFuture.failedFuture(
                                            e instanceof java.util.concurrent.TimeoutException
                                                    ? new DeadlineExceededException(
                                                            name + " timed out")
                                                    : e));
        }
    }

    /** Capabilities the test sets; metrics that change with every reading. */
    static final class Profile implements NodeProfile {
        volatile NodeCapabilities capabilities =
                new NodeCapabilities(
                        8,
                        16L << 30,
                        100L << 30,
                        List.of(),
                        false,
                        List.of("process"),
                        List.of("onnxruntime"),
                        List.of("all-minilm-l6-v2"),
                        "eu",
                        "a");
        final AtomicInteger readings = new AtomicInteger();
        final AtomicInteger refreshes = new AtomicInteger();

        // the thread of the last reader, to see where a call's handler ran
        volatile String readBy = "";

        // the thread of the last metrics reader (GetStatus's handler)
        volatile String metricsReadBy = "";

        @Override
        public NodeCapabilities capabilities() {
            readBy = Thread.currentThread().getName();
            return capabilities;
        }

        @Override
        public Set<String> capabilityTags() {
            return Set.of();
        }

        @Override
        public List<SelfTestResult> selfTests() {
            return List.of();
        }

        @Override
        public NodeMetrics metrics() {
            metricsReadBy = Thread.currentThread().getName();
            int n = readings.incrementAndGet();
            return new NodeMetrics(0.25, 0.5, 0.75, 1000.0 * n, 10.0, 3);
        }

        @Override
        public CompletableFuture<NodeCapabilities> refresh() {
            refreshes.incrementAndGet();
            return CompletableFuture.completedFuture(capabilities);
        }

        @Override
        public Subscription onCapabilitiesChange(Consumer<NodeCapabilities> listener) {
            return () -> {};
        }
    }

    /** An event bus that delivers on the publisher's thread and counts its subscribers. */
    static final class Bus implements EventBus {
        final Map<Consumer<NodeEvent>, Set<String>> subscribers = new ConcurrentHashMap<>();

        @Override
        public void publish(NodeEvent event) {
            subscribers.forEach(
                    (listener, types) -> {
                        if (types.isEmpty() || types.contains(event.type())) {
                            listener.accept(event);
                        }
                    });
        }

        @Override
        public Subscription subscribe(Set<String> types, Consumer<NodeEvent> listener) {
            subscribers.put(listener, Set.copyOf(types));
            return () -> subscribers.remove(listener);
        }

        @Override
        public List<NodeEvent> recent(Set<String> types, int limit) {
            return List.of();
        }
    }

    /** The store's KV area in memory; the rest is not used by the rpc bundle. */
    static final class MemoryStore implements NodeStore {
        final Map<String, byte[]> kv = new ConcurrentHashMap<>();

        @Override
        public void put(String key, byte[] value) {
            kv.put(key, value.clone());
        }

        @Override
        public Optional<byte[]> get(String key) {
            return Optional.ofNullable(kv.get(key)).map(byte[]::clone);
        }

        @Override
        public boolean delete(String key) {
            return kv.remove(key) != null;
        }

        @Override
        public Map<String, byte[]> scan(String prefix) {
            Map<String, byte[]> sorted = new TreeMap<>();
            kv.forEach(
                    (k, v) -> {
                        if (k.startsWith(prefix)) {
                            sorted.put(k, v.clone());
                        }
                    });
            return sorted;
        }

        @Override
        public Subscription watch(String prefix, Consumer<KvChange> listener) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void putDeployment(Deployment deployment) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<Deployment> deployment(String deploymentId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Deployment> deployments() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean deleteDeployment(String deploymentId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void putContainer(ContainerRecord container) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<ContainerRecord> container(String containerId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<ContainerRecord> containersOf(String deploymentId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<ContainerRecord> containers() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean deleteContainer(String containerId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void appendMetrics(MetricsSample sample) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<MetricsSample> metrics(Instant from, Instant to) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Duration metricsRetention() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void putConfig(String key, String json) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<String> config(String key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Map<String, String> configEntries() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean deleteConfig(String key) {
            throw new UnsupportedOperationException();
        }
    }

    /**
     * @param overrides configuration values by attribute name
     * @return the server configuration: the defaults, with the overrides
     */
    static RpcConfiguration config(Map<String, Object> overrides) {
        return (RpcConfiguration)
                Proxy.newProxyInstance(
                        RpcConfiguration.class.getClassLoader(),
                        new Class<?>[] {RpcConfiguration.class},
                        (proxy, method, args) -> value(method, overrides));
    }

    private static Object value(Method method, Map<String, Object> overrides) {
        if (method.getName().equals("annotationType")) {
            return RpcConfiguration.class;
        }
        if (overrides.containsKey(method.getName())) {
            return overrides.get(method.getName());
        }
        return method.getDefaultValue();
    }
}
