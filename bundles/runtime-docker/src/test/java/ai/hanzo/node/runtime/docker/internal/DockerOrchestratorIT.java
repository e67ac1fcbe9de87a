package ai.hanzo.node.runtime.docker.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.compute.ComposeSpec;
import ai.hanzo.node.api.compute.DeploymentOptions;
import ai.hanzo.node.api.compute.DeploymentRequest;
import ai.hanzo.node.api.compute.DeploymentState;
import ai.hanzo.node.api.compute.DeploymentStatus;
import ai.hanzo.node.api.compute.ServiceSpec;
import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.runtime.ContainerRuntime;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.compute.internal.DeploymentEngine;
import ai.hanzo.node.storage.internal.ChronicleNodeStore;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compute bundle's orchestrator over the real node store and this docker runtime on the private
 * dockerd: a replicas=3 deployment runs, a container killed behind the node's back (through the
 * engine, not the node) is brought back, and nothing is duplicated.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DockerOrchestratorIT {
    @TempDir Path dir;

    @Test
    void aReplicaKilledBehindTheNodesBackIsReplaced() throws Exception {
        Dockerd dockerd = Dockerd.get();
        String id = "web-" + UUID.randomUUID().toString().substring(0, 8);
        List<NodeEvent> events = new CopyOnWriteArrayList<>();
        try (TestScheduler scheduler = new TestScheduler();
                DockerContainerRuntime runtime =
                        new DockerContainerRuntime(dockerd.settings("", 50));
                DockerClient engine =
                        DockerClientImpl.getInstance(
                                new DefaultDockerClientConfig.Builder()
                                        .withDockerHost(dockerd.host)
                                        .withDockerTlsVerify(false)
                                        .build(),
                                new ApacheDockerHttpClient.Builder()
                                        .dockerHost(URI.create(dockerd.host))
                                        .build())) {
            ChronicleNodeStore store = ChronicleNodeStore.open(dir.resolve("store"));
            DeploymentEngine orchestrator =
                    new DeploymentEngine(
                            store,
                            scheduler,
                            events::add,
                            () -> false,
                            Clock.systemUTC(),
                            new DeploymentEngine.Settings(
                                    100,
                                    Duration.ofSeconds(5),
                                    Duration.ofSeconds(30),
                                    Duration.ofSeconds(30)));
            // the runtime behind a proxy that records when each stop call begins and ends
            List<String> stops = new CopyOnWriteArrayList<>();
            ContainerRuntime recording =
                    (ContainerRuntime)
                            Proxy.newProxyInstance(
                                    ContainerRuntime.class.getClassLoader(),
                                    new Class<?>[] {ContainerRuntime.class},
                                    (proxy, method, args) -> {
                                        boolean stop = method.getName().equals("stop");
                                        if (stop) {
                                            stops.add("begin " + args[0]);
                                        }
                                        try {
                                            return method.invoke(runtime, args);
                                        } catch (InvocationTargetException e) {
                                            throw e.getCause();
                                        } finally {
                                            if (stop) {
                                                stops.add("end " + args[0]);
                                            }
                                        }
                                    });
            try {
                orchestrator.addRuntime(recording);
                // the orchestrator places deployments only on a runtime whose self-test passed
                await().atMost(30, SECONDS)
                        .until(
                                () ->
                                        orchestrator.runtimes().stream()
                                                .anyMatch(
                                                        r ->
                                                                r.name().equals("docker")
                                                                        && r.availability()
                                                                                .available()));
                ServiceSpec web =
                        ServiceSpec.builder(dockerd.image)
                                .command("sleep", "600")
                                .replicas(3)
                                // sleep as pid 1 ignores SIGTERM: do not wait 10 s per container
                                .stopGracePeriod("1s")
                                .build();
                orchestrator.deploy(
                        new DeploymentRequest(
                                id,
                                "",
                                new ComposeSpec("3.8", id, Map.of("web", web), Map.of(), Map.of()),
                                Map.of(),
                                DeploymentOptions.onRuntime("docker")));
                awaitReady(orchestrator, id);
                List<ContainerStatus> before = containers(runtime, id);
                assertEquals(3, before.size(), before.toString());
                assertTrue(before.stream().allMatch(c -> c.state() == ContainerState.RUNNING));

                ContainerStatus victim = before.get(1);
                engine.killContainerCmd(victim.id()).exec();
                // the runtime's event watch tells the orchestrator; the replica comes back
                await().atMost(60, SECONDS)
                        .until(
                                () ->
                                        containers(runtime, id).stream()
                                                                .filter(
                                                                        c ->
                                                                                c.state()
                                                                                        == ContainerState
                                                                                                .RUNNING)
                                                                .count()
                                                        == 3
                                                && !startedAtOf(runtime, id, victim)
                                                        .equals(victim.startedAt().toString()));
                awaitReady(orchestrator, id);
                List<ContainerStatus> after = containers(runtime, id);
                assertEquals(3, after.size(), "replaced, not duplicated: " + after);
                Set<String> replicas =
                        after.stream()
                                .map(c -> c.labels().get(DeploymentEngine.LABEL_REPLICA))
                                .collect(Collectors.toSet());
                assertEquals(3, replicas.size(), "one container per replica: " + after);
                assertNotEquals(
                        victim.startedAt(),
                        after.stream()
                                .filter(c -> c.labels().equals(victim.labels()))
                                .findFirst()
                                .orElseThrow()
                                .startedAt());
                assertTrue(
                        events.stream().anyMatch(e -> "died".equals(e.attributes().get("action"))),
                        "the death is an event");

                // sleep as pid 1 ignores SIGTERM: each container takes its whole grace period,
                // and the three periods overlap
                stops.clear();
                orchestrator.stop(id, false);
                await().atMost(60, SECONDS)
                        .until(
                                () ->
                                        orchestrator.status(id).orElseThrow().state()
                                                == DeploymentState.STOPPED);
                assertTrue(
                        containers(runtime, id).stream()
                                .noneMatch(c -> c.state() == ContainerState.RUNNING));
                assertEquals(6, stops.size(), stops.toString());
                assertTrue(
                        stops.subList(0, 3).stream().allMatch(c -> c.startsWith("begin ")),
                        "all three stops go out before the first one completes: " + stops);

                orchestrator.remove(id, true);
                await().atMost(60, SECONDS).until(() -> containers(runtime, id).isEmpty());
            } finally {
                orchestrator.close();
                for (ContainerStatus c : containers(runtime, id)) {
                    runtime.remove(c.id(), true);
                }
                store.close();
            }
        }
        assertFalse(events.isEmpty());
    }

    private static String startedAtOf(
            DockerContainerRuntime runtime, String id, ContainerStatus container) {
        return containers(runtime, id).stream()
                .filter(c -> c.labels().equals(container.labels()))
                .map(c -> c.startedAt().toString())
                .findFirst()
                .orElse("");
    }

    private static List<ContainerStatus> containers(DockerContainerRuntime runtime, String id) {
        return runtime.list(Map.of(DeploymentEngine.LABEL_DEPLOYMENT, id));
    }

    private static void awaitReady(DeploymentEngine orchestrator, String id) {
        await().atMost(60, SECONDS)
                .until(
                        () -> {
                            DeploymentStatus s = orchestrator.status(id).orElseThrow();
                            return s.state() == DeploymentState.RUNNING && s.readyReplicas() == 3;
                        });
    }
}
