package ai.hanzo.node.compute.internal;

import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.compute.internal.process.ProcessRuntime;
import ai.hanzo.node.storage.internal.ChronicleNodeStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The compute part of a node over one data directory, built as the bundle's components build it:
 * the real Chronicle node store, the real process runtime and the orchestrator. Closing it is a
 * clean shutdown of the node (the processes keep running, as they do when the node stops).
 */
final class ComputeNode implements AutoCloseable {
    final TestScheduler scheduler = new TestScheduler();
    final ChronicleNodeStore store;
    final ProcessRuntime runtime;
    final DeploymentEngine engine;
    final List<NodeEvent> events = new CopyOnWriteArrayList<>();
    volatile boolean nodeDraining;

    ComputeNode(Path dataDir) {
        this(
                dataDir,
                new DeploymentEngine.Settings(
                        100,
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(30)));
    }

    ComputeNode(Path dataDir, DeploymentEngine.Settings settings) {
        store = ChronicleNodeStore.open(dataDir.resolve("store"));
        runtime =
                new ProcessRuntime(
                        dataDir.resolve("compute/process"),
                        scheduler,
                        Clock.systemUTC(),
                        new ProcessRuntime.Settings(
                                Duration.ofMillis(50),
                                Duration.ofMillis(200),
                                64 * 1024,
                                2,
                                Path.of("/sys/fs/cgroup")));
        engine =
                new DeploymentEngine(
                        store,
                        scheduler,
                        events::add,
                        () -> nodeDraining,
                        Clock.systemUTC(),
                        settings);
        engine.addRuntime(runtime);
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(
                        () ->
                                engine.runtimes().stream()
                                        .allMatch(r -> r.availability().available()));
    }

    /** Kills every process of this node's containers and forgets them (test clean-up). */
    void killAll() {
        for (ContainerStatus c : runtime.list(Map.of())) {
            try {
                runtime.remove(c.id(), true);
            } catch (RuntimeException e) {
                // best effort
            }
        }
    }

    @Override
    public void close() {
        engine.close();
        runtime.close();
        store.close();
        scheduler.close();
    }
}
