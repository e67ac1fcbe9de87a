package ai.hanzo.node.bench.compute;

import ai.hanzo.node.api.compute.ComposeSpec;
import ai.hanzo.node.api.compute.DeploymentOptions;
import ai.hanzo.node.api.compute.DeploymentRequest;
import ai.hanzo.node.api.compute.DeploymentState;
import ai.hanzo.node.api.compute.DeploymentStatus;
import ai.hanzo.node.api.compute.ServiceSpec;
import ai.hanzo.node.api.event.EventTypes;
import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.compute.internal.DeploymentEngine;
import ai.hanzo.node.compute.internal.process.ProcessRuntime;
import ai.hanzo.node.storage.internal.ChronicleNodeStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The compute benchmarks, each with its reference in the same run:
 *
 * <ul>
 *   <li>{@code deploy}: deploy to all replicas ready (1 and 10 replicas) on the process runtime,
 *       against spawning the same processes with a plain {@code ProcessBuilder};
 *   <li>{@code idle}: CPU used by the node's compute part with 200 idle deployments running;
 *   <li>{@code recovery}: time from opening a node over the data directory of one killed with
 *       {@code kill -9} (50 deployments) to all 50 re-adopted and running.
 * </ul>
 */
public final class ComputeBench {
    private ComputeBench() {}

    /** The scheduler contract of the core's NodeScheduler, on plain executors. */
    static final class Scheduler implements NodeScheduler, AutoCloseable {
        final ScheduledExecutorService timers =
                Executors.newScheduledThreadPool(2, ComputeBench::daemon);
        final ExecutorService workers = Executors.newFixedThreadPool(32, ComputeBench::daemon);

        @Override
        public ScheduledFuture<?> schedule(String name, Runnable task, Duration delay) {
            return timers.schedule(safe(task), delay.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(
                String name, Runnable task, Duration initialDelay, Duration period) {
            return timers.scheduleWithFixedDelay(
                    safe(task), initialDelay.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public <T> CompletableFuture<T> submit(String name, Callable<T> task) {
            return CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return task.call();
                        } catch (Exception e) {
                            throw new CompletionException(e);
                        }
                    },
                    workers);
        }

        @Override
        public <T> CompletableFuture<T> submit(String name, Callable<T> task, Duration timeout) {
            return submit(name, task).orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        private static Runnable safe(Runnable task) {
            return () -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    System.err.println("task failed: " + e);
                }
            };
        }

        @Override
        public void close() {
            timers.shutdownNow();
            workers.shutdownNow();
        }
    }

    private static Thread daemon(Runnable r) {
        Thread t = new Thread(r, "bench");
        t.setDaemon(true);
        return t;
    }

    /** The compute part of a node over a data directory. */
    static final class Node implements AutoCloseable {
        final Scheduler scheduler = new Scheduler();
        final ChronicleNodeStore store;
        final ProcessRuntime runtime;
        final DeploymentEngine engine;
        final Map<String, CountDownLatch> running = new ConcurrentHashMap<>();
        final Map<String, CountDownLatch> removed = new ConcurrentHashMap<>();
        volatile Consumer<NodeEvent> trace = e -> {};

        Node(Path dir) {
            store = ChronicleNodeStore.open(dir.resolve("store"));
            runtime =
                    new ProcessRuntime(
                            dir.resolve("compute/process"),
                            scheduler,
                            Clock.systemUTC(),
                            ProcessRuntime.Settings.defaults());
            Consumer<NodeEvent> events =
                    e -> {
                        trace.accept(e);
                        if (e.type().equals(EventTypes.DEPLOYMENT_STATE)
                                && "running".equals(e.attributes().get("state"))) {
                            CountDownLatch l = running.get(e.resourceId());
                            if (l != null) {
                                l.countDown();
                            }
                        }
                        if (e.type().equals(EventTypes.CONTAINER)
                                && "removed".equals(e.attributes().get("action"))) {
                            CountDownLatch l = removed.get(e.attributes().get("deployment"));
                            if (l != null) {
                                l.countDown();
                            }
                        }
                    };
            engine =
                    new DeploymentEngine(
                            store,
                            scheduler,
                            events,
                            () -> false,
                            Clock.systemUTC(),
                            DeploymentEngine.Settings.defaults());
            engine.addRuntime(runtime);
            waitFor(
                    () -> engine.runtimes().stream().allMatch(r -> r.availability().available()),
                    10_000);
        }

        void killAll() {
            engine.close();
            runtime.list(Map.of()).forEach(c -> runtime.remove(c.id(), true));
        }

        @Override
        public void close() {
            engine.close();
            runtime.close();
            store.close();
            scheduler.close();
        }
    }

    static DeploymentRequest sleepers(String id, int replicas) {
        ServiceSpec web =
                ServiceSpec.builder("/bin/sleep").command("1000").replicas(replicas).build();
        return new DeploymentRequest(
                id,
                "",
                new ComposeSpec("3.8", id, Map.of("web", web), Map.of(), Map.of()),
                Map.of(),
                DeploymentOptions.onRuntime("process"));
    }

    private static void waitFor(Callable<Boolean> condition, long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        try {
            while (!condition.call()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out");
                }
                Thread.sleep(1);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param args {@code deploy|idle|recovery|crash-node} and, for crash-node, the directory and
     *     the number of deployments
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "deploy" ->
                    deploy(
                            Integer.parseInt(System.getenv().getOrDefault("RUNS", "10")),
                            Integer.parseInt(System.getenv().getOrDefault("WARMUP", "2")));
            case "idle" ->
                    idle(
                            Integer.parseInt(System.getenv().getOrDefault("DEPLOYMENTS", "200")),
                            Integer.parseInt(System.getenv().getOrDefault("SECONDS", "60")));
            case "recovery" ->
                    recovery(Integer.parseInt(System.getenv().getOrDefault("DEPLOYMENTS", "50")));
            case "crash-node" -> crashNode(Path.of(args[1]), Integer.parseInt(args[2]));
            case "trace" -> trace();
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.exit(0);
    }

    private static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        return v.get(v.size() / 2);
    }

    static void deploy(int runs, int warmup) throws Exception {
        Path dir = Files.createTempDirectory("compute-bench");
        try (Node node = new Node(dir)) {
            for (int replicas : new int[] {1, 10}) {
                List<Double> orchestrated = new ArrayList<>();
                List<Double> plain = new ArrayList<>();
                for (int run = -warmup; run < runs; run++) { // warm-up rounds first
                    String id = "d" + replicas + "-" + (run + warmup);
                    CountDownLatch ready = new CountDownLatch(1);
                    node.running.put(id, ready);
                    long t0 = System.nanoTime();
                    node.engine.deploy(sleepers(id, replicas));
                    if (!ready.await(60, TimeUnit.SECONDS)) {
                        throw new IllegalStateException(id + " not running");
                    }
                    double ms = (System.nanoTime() - t0) / 1e6;
                    DeploymentStatus s = node.engine.status(id).orElseThrow();
                    if (s.state() != DeploymentState.RUNNING || s.readyReplicas() != replicas) {
                        throw new IllegalStateException("not ready: " + s);
                    }
                    CountDownLatch gone = new CountDownLatch(replicas);
                    node.removed.put(id, gone);
                    node.engine.remove(id, false);
                    waitFor(() -> node.engine.deployment(id).isEmpty(), 60_000);
                    // the reference must not share the machine with the removal's tail (exit
                    // handling, events, the reconcile they cause): wait for every container's
                    // removal event, then let the workers go quiet
                    if (!gone.await(60, TimeUnit.SECONDS)) {
                        throw new IllegalStateException(id + " containers not removed");
                    }
                    Thread.sleep(50);

                    long p0 = System.nanoTime();
                    List<Process> ps = new ArrayList<>();
                    for (int i = 0; i < replicas; i++) {
                        ps.add(
                                new ProcessBuilder("/bin/sleep", "1000")
                                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                                        .redirectErrorStream(true)
                                        .start());
                    }
                    double pms = (System.nanoTime() - p0) / 1e6;
                    ps.forEach(Process::destroyForcibly);
                    for (Process p : ps) {
                        p.waitFor();
                    }
                    if (run >= 0) {
                        orchestrated.add(ms);
                        plain.add(pms);
                    }
                }
                double a = median(orchestrated);
                double b = median(plain);
                System.out.printf(
                        "deploy-to-ready replicas=%d runs=%d warmup=%d: process runtime %.1f ms, plain ProcessBuilder %.1f ms, ratio %.2fx%n",
                        replicas, runs, warmup, a, b, a / b);
            }
        }
    }

    /** Where the time of one deploy goes: each event's time after the deploy call. */
    static void trace() throws Exception {
        Path dir = Files.createTempDirectory("compute-bench-trace");
        try (Node node = new Node(dir)) {
            int warmup = Integer.parseInt(System.getenv().getOrDefault("WARMUP", "2"));
            for (int run = 0; run < warmup + 10; run++) {
                String id = "t" + run;
                CountDownLatch ready = new CountDownLatch(1);
                node.running.put(id, ready);
                List<NodeEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
                node.trace = seen::add;
                java.time.Instant t0 = java.time.Instant.now();
                node.engine.deploy(sleepers(id, 1));
                java.time.Instant returned = java.time.Instant.now();
                ready.await(60, TimeUnit.SECONDS);
                if (run >= warmup) {
                    StringBuilder line =
                            new StringBuilder(
                                    "deploy returned +"
                                            + Duration.between(t0, returned).toMillis()
                                            + " ms");
                    for (NodeEvent e : seen) {
                        line.append(", ")
                                .append(
                                        e.attributes()
                                                .getOrDefault(
                                                        "state",
                                                        e.attributes()
                                                                .getOrDefault("action", e.type())))
                                .append(" +")
                                .append(Duration.between(t0, e.timestamp()).toMillis())
                                .append(" ms");
                    }
                    System.out.println(line);
                }
                node.trace = e -> {};
                node.engine.remove(id, false);
                waitFor(() -> node.engine.deployment(id).isEmpty(), 60_000);
            }
        }
    }

    static void idle(int deployments, int seconds) throws Exception {
        Path dir = Files.createTempDirectory("compute-bench-idle");
        Node node = new Node(dir);
        try {
            for (int i = 0; i < deployments; i++) {
                node.engine.deploy(sleepers("idle-" + i, 1));
            }
            waitFor(
                    () ->
                            node.engine.statuses().stream()
                                    .allMatch(s -> s.state() == DeploymentState.RUNNING),
                    300_000);
            Thread.sleep(5_000); // settle
            var os =
                    (com.sun.management.OperatingSystemMXBean)
                            ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
            double wall = (System.nanoTime() - t0) / 1e9;
            System.out.printf(
                    "idle %d deployments over %.0f s: %.3f s CPU = %.2f%% of one core (%.2f s CPU per minute)%n",
                    deployments, wall, cpu, 100 * cpu / wall, 60 * cpu / wall);
        } finally {
            node.killAll();
            node.close();
        }
    }

    static void recovery(int deployments) throws Exception {
        Path dir = Files.createTempDirectory("compute-bench-recovery");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command =
                new ArrayList<>(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add(0, java);
        command.addAll(
                List.of(
                        "-cp",
                        System.getProperty("java.class.path"),
                        ComputeBench.class.getName(),
                        "crash-node",
                        dir.toString(),
                        Integer.toString(deployments)));
        Process crash =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(crash.getInputStream(), StandardCharsets.UTF_8))) {
            if (!"running".equals(out.readLine())) {
                throw new IllegalStateException("the crash node did not start its deployments");
            }
            crash.toHandle().destroyForcibly();
            crash.waitFor();
        }
        long t0 = System.nanoTime();
        Node node = new Node(dir);
        try {
            waitFor(
                    () ->
                            node.engine.statuses().size() == deployments
                                    && node.engine.statuses().stream()
                                            .allMatch(
                                                    s ->
                                                            s.state() == DeploymentState.RUNNING
                                                                    && s.readyReplicas() == 1),
                    120_000);
            double ms = (System.nanoTime() - t0) / 1e6;
            int containers = node.runtime.list(Map.of()).size();
            System.out.printf(
                    "recovery after kill -9 with %d deployments: %.0f ms from opening the node to all re-adopted and running (%d containers, no duplicates: %s)%n",
                    deployments, ms, containers, containers == deployments);
        } finally {
            node.killAll();
            node.close();
        }
    }

    static void crashNode(Path dir, int deployments) throws Exception {
        Node node = new Node(dir);
        for (int i = 0; i < deployments; i++) {
            node.engine.deploy(sleepers("r-" + i, 1));
        }
        waitFor(
                () ->
                        node.engine.statuses().stream()
                                .allMatch(s -> s.state() == DeploymentState.RUNNING),
                120_000);
        System.out.println("running");
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
