package ai.hanzo.node.bench.docker;

import ai.hanzo.node.api.DeadlineExceededException;
import ai.hanzo.node.api.compute.ComposeSpec;
import ai.hanzo.node.api.compute.DeploymentOptions;
import ai.hanzo.node.api.compute.DeploymentRequest;
import ai.hanzo.node.api.compute.DeploymentState;
import ai.hanzo.node.api.compute.DeploymentStatus;
import ai.hanzo.node.api.compute.ServiceSpec;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.runtime.ContainerRuntime;
import ai.hanzo.node.compute.internal.DeploymentEngine;
import ai.hanzo.node.storage.internal.ChronicleNodeStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Deploy to all replicas ready through the compute bundle's orchestrator, over a real node store,
 * on the docker runtime: from {@code deploy()} to the status reporting every replica ready.
 */
final class OrchestratorDeploy implements AutoCloseable {
    private final Scheduler scheduler = new Scheduler();
    private final Path storeDir;
    private final ChronicleNodeStore store;
    private final DeploymentEngine engine;
    private ContainerRuntime added;

    OrchestratorDeploy() throws IOException {
        storeDir = Files.createTempDirectory("docker-bench-store");
        store = ChronicleNodeStore.open(storeDir.resolve("store"));
        engine =
                new DeploymentEngine(
                        store,
                        scheduler,
                        e -> {},
                        () -> false,
                        Clock.systemUTC(),
                        new DeploymentEngine.Settings(
                                100,
                                Duration.ofSeconds(5),
                                Duration.ofSeconds(30),
                                Duration.ofSeconds(30)));
    }

    /**
     * @return milliseconds from deploy to all replicas ready; the deployment is removed after
     */
    double deploy(ContainerRuntime runtime, String image, int replicas, int round) {
        if (added != runtime) {
            engine.addRuntime(runtime);
            added = runtime;
            while (engine.runtimes().stream().noneMatch(r -> r.availability().available())) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
        String id = "bench-orch-" + replicas + "-" + round;
        ServiceSpec web =
                ServiceSpec.builder(image)
                        .command("sleep", "600")
                        .replicas(replicas)
                        .stopGracePeriod("0s")
                        .build();
        long t0 = System.nanoTime();
        engine.deploy(
                new DeploymentRequest(
                        id,
                        "",
                        new ComposeSpec("3.8", id, Map.of("web", web), Map.of(), Map.of()),
                        Map.of("hanzo.bench", "docker"),
                        DeploymentOptions.onRuntime("docker")));
        long deadline = t0 + TimeUnit.MINUTES.toNanos(5);
        while (true) {
            DeploymentStatus s = engine.status(id).orElseThrow();
            if (s.state() == DeploymentState.RUNNING && s.readyReplicas() == replicas) {
                break;
            }
            if (s.state() == DeploymentState.FAILED || System.nanoTime() > deadline) {
                throw new IllegalStateException("deployment " + id + ": " + s);
            }
            // a bench may poll: 1 ms steps keep the measurement's resolution
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        engine.remove(id, true);
        while (engine.status(id).isPresent()) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        return ms;
    }

    @Override
    public void close() {
        engine.close();
        store.close();
        scheduler.close();
    }

    /** The scheduler contract of the core's NodeScheduler, on plain executors. */
    private static final class Scheduler implements NodeScheduler, AutoCloseable {
        private final ScheduledExecutorService timers =
                Executors.newScheduledThreadPool(2, Scheduler::daemon);
        private final ExecutorService workers = Executors.newFixedThreadPool(32, Scheduler::daemon);

        private static Thread daemon(Runnable r) {
            Thread t = new Thread(r, "bench-scheduler");
            t.setDaemon(true);
            return t;
        }

        @Override
        public ScheduledFuture<?> schedule(String name, Runnable task, Duration delay) {
            return timers.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(
                String name, Runnable task, Duration initialDelay, Duration period) {
            return timers.scheduleWithFixedDelay(
                    task, initialDelay.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
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
            return submit(name, task)
                    .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
                    .exceptionallyCompose(
                            e ->
                                    CompletableFuture.failedFuture(
                                            e instanceof TimeoutException
                                                    ? new DeadlineExceededException(
                                                            name + " timed out")
                                                    : e));
        }

        @Override
        public void close() {
            timers.shutdownNow();
            workers.shutdownNow();
        }
    }
}
