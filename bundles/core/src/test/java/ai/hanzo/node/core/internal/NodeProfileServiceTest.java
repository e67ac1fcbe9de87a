package ai.hanzo.node.core.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.inference.InferenceEngine;
import ai.hanzo.node.api.node.NodeCapabilities;
import ai.hanzo.node.api.node.NodeMetrics;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.node.SelfTestResult;
import ai.hanzo.node.api.runtime.ContainerRuntime;
import java.lang.annotation.Annotation;
import java.lang.ref.WeakReference;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeProfileServiceTest {
    @TempDir Path proc;
    private final NodeSchedulerService scheduler = new NodeSchedulerService(config());
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        scheduler.stop();
    }

    private NodeProfileService profile(List<String> declared) {
        return new NodeProfileService(
                declared,
                "eu-west",
                "a",
                scheduler,
                Duration.ofMillis(300),
                new SystemResources(proc, proc));
    }

    /** A runtime whose self-test is the given code: the unit under test only calls these. */
    private static ContainerRuntime runtime(String name, Supplier<Availability> selfTest) {
        return (ContainerRuntime)
                Proxy.newProxyInstance(
                        NodeProfileServiceTest.class.getClassLoader(),
                        new Class<?>[] {ContainerRuntime.class},
                        (proxy, method, args) ->
                                switch (method.getName()) {
                                    case "name" -> name;
                                    case "selfTest" -> selfTest.get();
                                    case "hashCode" -> System.identityHashCode(proxy);
                                    case "equals" -> proxy == args[0];
                                    case "toString" -> "runtime " + name;
                                    default -> throw new UnsupportedOperationException();
                                });
    }

    private static InferenceEngine engine(String name, Supplier<Availability> selfTest) {
        return (InferenceEngine)
                Proxy.newProxyInstance(
                        NodeProfileServiceTest.class.getClassLoader(),
                        new Class<?>[] {InferenceEngine.class},
                        (proxy, method, args) ->
                                switch (method.getName()) {
                                    case "name" -> name;
                                    case "selfTest" -> selfTest.get();
                                    case "hashCode" -> System.identityHashCode(proxy);
                                    case "equals" -> proxy == args[0];
                                    case "toString" -> "engine " + name;
                                    default -> throw new UnsupportedOperationException();
                                });
    }

    private Availability hang() {
        try {
            release.await();
        } catch (InterruptedException e) {
            // interrupted at the deadline, and ignores it like a badly written plugin
            try {
                release.await();
            } catch (InterruptedException again) {
                Thread.currentThread().interrupt();
            }
        }
        return Availability.ok();
    }

    @Test
    void hungSelfTestDoesNotStallTheOthersOrAnyReader() throws Exception {
        NodeProfileService profile = profile(List.of("gpu:none"));
        AtomicInteger hungCalls = new AtomicInteger();
        profile.addRuntime(
                runtime(
                        "stuck",
                        () -> {
                            hungCalls.incrementAndGet();
                            return hang();
                        }),
                Map.of());
        profile.addRuntime(runtime("process", Availability::ok), Map.of());
        profile.addEngine(
                engine(
                        "broken",
                        () -> {
                            throw new IllegalStateException("no native library");
                        }),
                Map.of(InferenceEngine.NAME_PROPERTY, "broken"));
        profile.addEngine(
                engine("onnxruntime", () -> Availability.unavailable("no model format")), Map.of());

        NodeCapabilities after = profile.refresh().get(5, TimeUnit.SECONDS);
        assertEquals(List.of("process"), after.runtimes());
        assertEquals(List.of(), after.engines());
        assertEquals(
                Set.of("gpu:none", "runtime:process"),
                profile.capabilityTags(),
                "declared + passed");
        Map<String, String> reasons = new java.util.HashMap<>();
        for (SelfTestResult r : profile.selfTests()) {
            reasons.put(r.name(), r.availability().reason());
        }
        assertEquals("its self-test did not answer within 300 ms", reasons.get("stuck"));
        assertEquals("its self-test failed: no native library", reasons.get("broken"));
        assertEquals("no model format", reasons.get("onnxruntime"));
        assertEquals("", reasons.get("process"));

        // the stuck plugin still holds its thread: a new round does not pile another call on it
        profile.refresh().get(5, TimeUnit.SECONDS);
        assertEquals(1, hungCalls.get());
        assertFalse(profile.capabilities().runtimes().contains("stuck"));
        release.countDown();
        await().atMost(5, TimeUnit.SECONDS)
                .until(
                        () -> {
                            profile.refresh().get(5, TimeUnit.SECONDS);
                            return profile.capabilities().runtimes().contains("stuck");
                        });
        assertEquals(2, hungCalls.get());
    }

    @Test
    void pluginsThatJoinWhileTheNodeStartsAreTestedOnceItIsReady() throws Exception {
        NodeProfileService profile =
                new NodeProfileService(
                        List.of("gpu:none"),
                        "eu-west",
                        "a",
                        scheduler,
                        Duration.ofMillis(300),
                        new SystemResources(proc, proc),
                        false);
        AtomicInteger engineTests = new AtomicInteger();
        AtomicInteger runtimeTests = new AtomicInteger();
        profile.addEngine(
                engine(
                        "onnxruntime",
                        () -> {
                            engineTests.incrementAndGet();
                            return Availability.ok();
                        }),
                Map.of());
        profile.addRuntime(
                runtime(
                        "process",
                        () -> {
                            runtimeTests.incrementAndGet();
                            return Availability.ok();
                        }),
                Map.of());
        // a refresh while starting (a plugin event, the timer, a client) tests nothing either
        NodeCapabilities starting = profile.refresh().get(5, TimeUnit.SECONDS);

        assertEquals(0, engineTests.get(), "no engine started before READY");
        assertEquals(0, runtimeTests.get());
        assertTrue(profile.selfTests().isEmpty(), "not tested yet: no result, no failure");
        assertEquals(List.of(), starting.engines());
        assertEquals(List.of(), starting.runtimes());
        assertEquals(Set.of("gpu:none"), profile.capabilityTags());

        NodeCapabilities ready = profile.nodeStarted().get(5, TimeUnit.SECONDS);
        assertEquals(List.of("onnxruntime"), ready.engines());
        assertEquals(List.of("process"), ready.runtimes());
        assertEquals(
                Set.of("gpu:none", "engine:onnxruntime", "runtime:process"),
                profile.capabilityTags());
        assertEquals(2, profile.selfTests().size());
        assertEquals(1, engineTests.get());
        assertEquals(1, runtimeTests.get());

        // a second READY notice (state listener and the check at activation) starts no new round
        profile.nodeStarted().get(5, TimeUnit.SECONDS);
        assertEquals(1, engineTests.get());
        // after the start, a joining plugin is tested at once
        profile.addRuntime(runtime("docker", Availability::ok), Map.of());
        await().atMost(5, TimeUnit.SECONDS)
                .until(
                        () ->
                                profile.capabilities()
                                        .runtimes()
                                        .equals(List.of("docker", "process")));
    }

    @Test
    void aPluginThatLeavesIsGoneAtOnceAndListenersHearIt() throws Exception {
        NodeProfileService profile = profile(List.of());
        List<NodeCapabilities> heard = new CopyOnWriteArrayList<>();
        Subscription subscription = profile.onCapabilitiesChange(heard::add);
        ContainerRuntime docker = runtime("docker", Availability::ok);
        profile.addRuntime(docker, Map.of(ContainerRuntime.NAME_PROPERTY, "docker"));
        await().atMost(5, TimeUnit.SECONDS)
                .until(() -> profile.capabilities().runtimes().equals(List.of("docker")));
        profile.removeRuntime(docker);
        assertEquals(List.of(), profile.capabilities().runtimes(), "no wait for a self-test");
        assertTrue(profile.selfTests().isEmpty());
        assertEquals(List.of(), heard.get(heard.size() - 1).runtimes());
        assertTrue(heard.stream().anyMatch(c -> c.runtimes().equals(List.of("docker"))));
        subscription.close();
    }

    @Test
    void capabilitiesCarryTheMachineAndTheOperatorsLabels() {
        NodeCapabilities c = profile(List.of()).capabilities();
        assertEquals(Runtime.getRuntime().availableProcessors(), c.cpuCores());
        assertEquals(4_000_000L * 1024, withMeminfo().capabilities().memoryBytes());
        assertTrue(c.diskBytes() > 0, "the temp dir's file system has a size");
        assertEquals("eu-west", c.region());
        assertEquals("a", c.zone());
        assertFalse(c.mlxEnabled());
    }

    private NodeProfileService withMeminfo() {
        try {
            Files.writeString(
                    proc.resolve("meminfo"),
                    "MemTotal:        4000000 kB\nMemFree:  100 kB\nMemAvailable:    1000000 kB\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return profile(List.of());
    }

    @Test
    void metricsAreDeltasOfTheProcCounters() throws Exception {
        writeProc(1000, 9000, 5_000, 7_000);
        SystemResources resources = new SystemResources(proc, proc);
        resources.sample(0, 0);
        // 2 s later: 500 of 1000 jiffies busy; 4000 bytes in, 1000 out (lo is not counted)
        writeProc(1500, 10000, 9_000, 8_000);
        NodeMetrics m = resources.sample(3, 2_000_000_000L);
        assertEquals(0.5, m.cpuUsage(), 1e-9);
        assertEquals(0.75, m.memoryUsage(), 1e-9);
        assertEquals(2000.0, m.networkRxBytesPerSecond(), 1e-9);
        assertEquals(500.0, m.networkTxBytesPerSecond(), 1e-9);
        assertEquals(3, m.activeContainers());
        assertTrue(m.diskUsage() > 0 && m.diskUsage() <= 1);
    }

    @Test
    void readersGetTheLastSampleWhileANewOneIsTakenOnAWorker() throws Exception {
        writeProc(1000, 9000, 5_000, 7_000);
        NodeProfileService profile = profile(List.of());
        writeProc(1500, 10000, 9_000, 8_000);
        // the next sample blocks in the store (as a slow disk would) until released
        CountDownLatch sampling = new CountDownLatch(1);
        CountDownLatch storeFree = new CountDownLatch(1);
        profile.setStore(
                (ai.hanzo.node.api.store.NodeStore)
                        Proxy.newProxyInstance(
                                getClass().getClassLoader(),
                                new Class<?>[] {ai.hanzo.node.api.store.NodeStore.class},
                                (proxy, method, args) -> {
                                    if (method.getName().equals("containers")) {
                                        sampling.countDown();
                                        storeFree.await();
                                        return List.of();
                                    }
                                    throw new UnsupportedOperationException(method.getName());
                                }));
        NodeMetrics first = profile.metrics();
        // once the sample is stale a reader starts a new one and does not wait for it
        await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> {
                            profile.metrics();
                            return sampling.getCount() == 0;
                        });
        NodeMetrics meanwhile =
                org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                        Duration.ofSeconds(2), profile::metrics);
        assertEquals(first, meanwhile, "the last sample while the new one is taken");
        storeFree.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> profile.metrics().cpuUsage() == 0.5);
    }

    @Test
    void metricsOfTheRealMachineAreRatios() {
        SystemResources resources = new SystemResources(Path.of("/proc"), Path.of("."));
        resources.sample(0, System.nanoTime());
        NodeMetrics m = resources.sample(0, System.nanoTime() + 1);
        assertTrue(m.cpuUsage() >= 0 && m.cpuUsage() <= 1, m.toString());
        assertTrue(m.memoryUsage() > 0 && m.memoryUsage() < 1, m.toString());
        assertTrue(resources.memoryBytes() > 0);
    }

    private void writeProc(long busy, long total, long rx, long tx) throws Exception {
        long idle = total - busy;
        Files.writeString(
                proc.resolve("stat"),
                "cpu  " + busy + " 0 0 " + idle + " 0 0 0 0 0 0\ncpu0 1 2 3 4\n");
        Files.createDirectories(proc.resolve("net"));
        Files.writeString(
                proc.resolve("net/dev"),
                "Inter-|   Receive |  Transmit\n face |bytes packets|bytes\n"
                        + "    lo: 999999 1 0 0 0 0 0 0 999999 1 0 0 0 0 0 0\n"
                        + "  eth0: "
                        + rx
                        + " 10 0 0 0 0 0 0 "
                        + tx
                        + " 10 0 0 0 0 0 0\n");
        Files.writeString(
                proc.resolve("meminfo"),
                "MemTotal:        4000000 kB\nMemFree:  100 kB\nMemAvailable:    1000000 kB\n");
    }

    @Test
    void gpuInventoryParsesNvidiaSmi() {
        assertEquals(
                List.of(
                        new ai.hanzo.node.api.node.GpuInfo(
                                "NVIDIA A100-SXM4-80GB", 81920L * 1024 * 1024, "550.54.15")),
                GpuInventory.parse("NVIDIA A100-SXM4-80GB, 81920, 550.54.15\n"));
    }

    @Test
    void refreshCompletesWithNoPlugins() throws Exception {
        CompletableFuture<NodeCapabilities> done = profile(List.of()).refresh();
        assertEquals(List.of(), done.get(5, TimeUnit.SECONDS).runtimes());
    }

    /**
     * A plugin event starts a refresh while the plugin's runtime is being unregistered: the round
     * the refresh starts for it is filed after the runtime left. Nothing may keep the runtime then
     * (it held the class loader of every uninstalled runc plugin whose removal raced a refresh).
     */
    @Test
    void aRuntimeThatLeavesWhileARefreshStartsItsSelfTestIsNotKept() throws Exception {
        AtomicReference<Runnable> duringSubmit = new AtomicReference<>();
        NodeScheduler racing =
                new NodeScheduler() {
                    @Override
                    public ScheduledFuture<?> schedule(String name, Runnable task, Duration delay) {
                        return scheduler.schedule(name, task, delay);
                    }

                    @Override
                    public ScheduledFuture<?> scheduleWithFixedDelay(
                            String name, Runnable task, Duration initialDelay, Duration period) {
                        return scheduler.scheduleWithFixedDelay(name, task, initialDelay, period);
                    }

                    @Override
                    public <T> CompletableFuture<T> submit(String name, Callable<T> task) {
                        return scheduler.submit(name, task);
                    }

                    @Override
                    public <T> CompletableFuture<T> submit(
                            String name, Callable<T> task, Duration timeout) {
                        CompletableFuture<T> started = scheduler.submit(name, task, timeout);
                        Runnable hook = duringSubmit.getAndSet(null);
                        if (hook != null) {
                            hook.run();
                        }
                        return started;
                    }
                };
        NodeProfileService profile =
                new NodeProfileService(
                        List.of(),
                        "",
                        "",
                        racing,
                        Duration.ofMillis(300),
                        new SystemResources(proc, proc));
        ContainerRuntime leaving = runtime("runc", Availability::ok);
        profile.addRuntime(leaving, Map.of(ContainerRuntime.NAME_PROPERTY, "runc"));
        await().atMost(5, TimeUnit.SECONDS)
                .until(() -> profile.capabilities().runtimes().equals(List.of("runc")));
        WeakReference<ContainerRuntime> gone = new WeakReference<>(leaving);
        duringSubmit.set(() -> profile.removeRuntime(gone.get()));
        leaving = null;
        profile.refresh().get(5, TimeUnit.SECONDS);
        assertNull(duringSubmit.get(), "the runtime left while its self-test was being started");
        assertEquals(List.of(), profile.capabilities().runtimes());
        assertTrue(profile.selfTests().isEmpty());
        await().atMost(10, TimeUnit.SECONDS)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> {
                            System.gc();
                            return gone.get() == null;
                        });
    }

    private static NodeSchedulerService.Config config() {
        return new NodeSchedulerService.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return NodeSchedulerService.Config.class;
            }

            @Override
            public int timerThreads() {
                return 1;
            }

            @Override
            public int workerThreads() {
                return 8;
            }

            @Override
            public int workerQueue() {
                return 64;
            }
        };
    }
}
