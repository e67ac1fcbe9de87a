package ai.hanzo.node.compute.internal;

import static ai.hanzo.node.compute.internal.Fixtures.alive;
import static ai.hanzo.node.compute.internal.Fixtures.request;
import static ai.hanzo.node.compute.internal.Fixtures.runningPids;
import static ai.hanzo.node.compute.internal.Fixtures.shell;
import static ai.hanzo.node.compute.internal.Fixtures.sleeper;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.compute.DependencyCondition;
import ai.hanzo.node.api.compute.DeploymentState;
import ai.hanzo.node.api.compute.DeploymentStatus;
import ai.hanzo.node.api.compute.HealthcheckSpec;
import ai.hanzo.node.api.compute.ScaleResult;
import ai.hanzo.node.api.compute.ServiceDependency;
import ai.hanzo.node.api.event.EventTypes;
import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.runtime.ContainerHealth;
import ai.hanzo.node.api.runtime.ContainerRuntime;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.api.runtime.ContainerStatus;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The orchestrator over the real node store and the real process runtime. */
class OrchestratorTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir Path dir;
    private ComputeNode node;

    @BeforeEach
    void open() {
        node = new ComputeNode(dir);
    }

    @AfterEach
    void close() {
        node.engine.close();
        node.killAll();
        node.close();
    }

    private DeploymentStatus status(String id) {
        return node.engine.status(id).orElseThrow();
    }

    private List<ContainerStatus> containers(String id) {
        return node.runtime.list(Map.of(DeploymentEngine.LABEL_DEPLOYMENT, id));
    }

    private void awaitRunning(String id, int ready) {
        await().atMost(WAIT)
                .until(
                        () -> {
                            DeploymentStatus s = status(id);
                            return s.state() == DeploymentState.RUNNING
                                    && s.readyReplicas() == ready;
                        });
    }

    private List<String> states(String id) {
        return node.events.stream()
                .filter(
                        e ->
                                e.type().equals(EventTypes.DEPLOYMENT_STATE)
                                        && e.resourceId().equals(id))
                .map(e -> e.attributes().get("state"))
                .toList();
    }

    @Test
    void deployRunsEveryReplicaAndReplacesAProcessKilledBehindItsBack() {
        var result = node.engine.deploy(request("web", Map.of("web", sleeper(3).build())));
        assertEquals("web", result.deploymentId());
        // recorded before deploy returned
        assertTrue(node.store.deployment("web").isPresent());
        awaitRunning("web", 3);
        List<Long> pids = runningPids(containers("web"));
        assertEquals(3, new HashSet<>(pids).size());
        pids.forEach(p -> assertTrue(alive(p)));
        assertEquals(List.of("pending", "creating", "running"), states("web"));

        long victim = pids.get(1);
        ProcessHandle.of(victim).orElseThrow().destroyForcibly();
        await().atMost(WAIT)
                .until(
                        () -> {
                            List<Long> now = runningPids(containers("web"));
                            return now.size() == 3 && !now.contains(victim);
                        });
        awaitRunning("web", 3);
        assertEquals(3, containers("web").size(), "replaced, not duplicated");
        assertTrue(
                node.events.stream()
                        .anyMatch(
                                e ->
                                        e.type().equals(EventTypes.CONTAINER)
                                                && "died".equals(e.attributes().get("action"))),
                "the death is an event");
        assertEquals(1, status("web").services().get("web").restarts());
    }

    @Test
    void scaleGoesThreeToOneToTwo() {
        node.engine.deploy(request("s", Map.of("web", sleeper(3).build())));
        awaitRunning("s", 3);
        ScaleResult down = node.engine.scale("s", "web", 1);
        assertEquals(new ScaleResult(3, 1), down);
        await().atMost(WAIT).until(() -> containers("s").size() == 1);
        awaitRunning("s", 1);
        ScaleResult up = node.engine.scale("s", "web", 2);
        assertEquals(new ScaleResult(1, 2), up);
        awaitRunning("s", 2);
        assertEquals(2, runningPids(containers("s")).size());
        assertTrue(states("s").contains("updating"));
        assertEquals(2, node.store.deployment("s").orElseThrow().replicas().get("web"));
    }

    @Test
    void aPassingHealthcheckMakesReplicasReadyAndAFailingOneDoesNot() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        HealthcheckSpec fileExists =
                new HealthcheckSpec(List.of("CMD", "test", "-f", "ready"), "100ms", "2s", 2, "");
        node.engine.deploy(
                request(
                        "h",
                        Map.of(
                                "web",
                                shell("sleep 0.5; touch ready; exec sleep 1000")
                                        .workingDir(work.toString())
                                        .healthcheck(fileExists)
                                        .build())));
        // running but not healthy yet: not ready
        await().atMost(WAIT).until(() -> runningPids(containers("h")).size() == 1);
        assertEquals(0, status("h").readyReplicas());
        awaitRunning("h", 1);
        assertTrue(Files.exists(work.resolve("ready")), "ready only once the check passes");
        assertEquals(ContainerHealth.HEALTHY, containers("h").get(0).health());

        node.engine.deploy(
                request(
                        "sick",
                        Map.of(
                                "web",
                                sleeper(1)
                                        .healthcheck(
                                                new HealthcheckSpec(
                                                        List.of("CMD", "false"),
                                                        "100ms",
                                                        "1s",
                                                        2,
                                                        ""))
                                        .build())));
        await().atMost(WAIT)
                .until(
                        () ->
                                containers("sick").stream()
                                        .anyMatch(c -> c.health() == ContainerHealth.UNHEALTHY));
        DeploymentStatus sick = status("sick");
        assertEquals(0, sick.readyReplicas());
        assertEquals(1, sick.replicas());
        assertNotEquals(DeploymentState.RUNNING, sick.state());
    }

    @Test
    void dependsOnStartsServicesInOrder() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        var db =
                shell("sleep 0.3; touch db-ready; exec sleep 1000")
                        .workingDir(work.toString())
                        .healthcheck(
                                new HealthcheckSpec(
                                        List.of("CMD", "test", "-f", "db-ready"),
                                        "100ms",
                                        "1s",
                                        3,
                                        ""))
                        .build();
        var migrate =
                shell("sleep 0.2; echo done > migrated")
                        .workingDir(work.toString())
                        .restart("no")
                        .build();
        var app =
                shell("test -f db-ready && test -f migrated && touch app-saw-deps; exec sleep 1000")
                        .workingDir(work.toString())
                        .dependsOn(
                                "db",
                                new ServiceDependency(DependencyCondition.SERVICE_HEALTHY, true))
                        .dependsOn(
                                "migrate",
                                new ServiceDependency(
                                        DependencyCondition.SERVICE_COMPLETED_SUCCESSFULLY, true))
                        .build();
        node.engine.deploy(request("dep", Map.of("db", db, "migrate", migrate, "app", app)));
        await().atMost(WAIT).until(() -> Files.exists(work.resolve("app-saw-deps")));
        await().atMost(WAIT).until(() -> status("dep").services().get("app").ready() == 1);
        assertEquals(1, status("dep").services().get("db").ready());
    }

    @Test
    void stopKeepsTheDeploymentAndRemoveLeavesNothing() {
        node.engine.deploy(request("sr", Map.of("web", sleeper(2).build())));
        awaitRunning("sr", 2);
        List<Long> pids = runningPids(containers("sr"));
        node.engine.stop("sr", false);
        await().atMost(WAIT).until(() -> status("sr").state() == DeploymentState.STOPPED);
        pids.forEach(p -> await().atMost(WAIT).until(() -> !alive(p)));
        assertTrue(containers("sr").stream().allMatch(c -> c.state() == ContainerState.EXITED));
        assertThrows(FailedPreconditionException.class, () -> node.engine.scale("sr", "web", 3));

        node.engine.start("sr");
        awaitRunning("sr", 2);

        node.engine.remove("sr", false);
        await().atMost(WAIT).until(() -> node.store.deployment("sr").isEmpty());
        assertTrue(containers("sr").isEmpty());
        assertTrue(node.store.containersOf("sr").isEmpty());
        await().atMost(WAIT)
                .until(() -> states("sr").get(states("sr").size() - 1).equals("removed"));
    }

    @Test
    void stoppingADeploymentStopsItsReplicasAtOnce() {
        // the real runtime behind a proxy that records when each stop call begins and ends
        List<String> calls = new CopyOnWriteArrayList<>();
        ContainerRuntime recording =
                (ContainerRuntime)
                        Proxy.newProxyInstance(
                                ContainerRuntime.class.getClassLoader(),
                                new Class<?>[] {ContainerRuntime.class},
                                (proxy, method, args) -> {
                                    boolean stop = method.getName().equals("stop");
                                    if (stop) {
                                        calls.add("begin " + args[0]);
                                    }
                                    try {
                                        return method.invoke(node.runtime, args);
                                    } catch (InvocationTargetException e) {
                                        throw e.getCause();
                                    } finally {
                                        if (stop) {
                                            calls.add("end " + args[0]);
                                        }
                                    }
                                });
        node.engine.removeRuntime(node.runtime);
        node.engine.addRuntime(recording);
        await().atMost(WAIT)
                .until(
                        () ->
                                node.engine.runtimes().stream()
                                        .allMatch(r -> r.availability().available()));
        // each replica ignores SIGTERM: only the kill at the end of its grace period ends it
        node.engine.deploy(
                request(
                        "stubborn",
                        Map.of(
                                "web",
                                shell("trap '' TERM; while :; do sleep 0.1; done")
                                        .replicas(3)
                                        .stopGracePeriod("1s")
                                        .build())));
        awaitRunning("stubborn", 3);
        List<Long> pids = runningPids(containers("stubborn"));
        node.engine.stop("stubborn", false);
        await().atMost(WAIT).until(() -> status("stubborn").state() == DeploymentState.STOPPED);
        pids.forEach(p -> assertFalse(alive(p), "killed after the grace period"));
        assertEquals(6, calls.size(), calls.toString());
        assertTrue(
                calls.subList(0, 3).stream().allMatch(c -> c.startsWith("begin ")),
                "all three stop requests go out before the first one completes: " + calls);
        assertEquals(
                3,
                calls.stream().map(c -> c.substring(c.indexOf(' ') + 1)).distinct().count(),
                calls.toString());
    }

    @Test
    void onFailureGivesUpAfterItsRetriesWithDockersBackOff() {
        Instant start = Instant.now();
        node.engine.deploy(
                request("crash", Map.of("job", shell("exit 3").restart("on-failure:2").build())));
        await().atMost(WAIT).until(() -> status("crash").state() == DeploymentState.FAILED);
        // 100 ms then 200 ms of back-off before the two restarts
        assertTrue(Duration.between(start, Instant.now()).toMillis() >= 300);
        String message = status("crash").message();
        assertTrue(message.contains("exited with code 3 after 2 restart(s)"), message);
        assertEquals(2, containers("crash").get(0).restartCount());
    }

    @Test
    void aRuntimeThatLeavesFailsItsDeploymentsUntilItReturns() {
        node.engine.deploy(request("rt", Map.of("web", sleeper(1).build())));
        awaitRunning("rt", 1);
        long pid = runningPids(containers("rt")).get(0);
        node.engine.removeRuntime(node.runtime);
        await().atMost(WAIT).until(() -> status("rt").state() == DeploymentState.FAILED);
        assertTrue(
                status("rt").message().contains("runtime unavailable: process"),
                status("rt").message());
        node.engine.addRuntime(node.runtime);
        awaitRunning("rt", 1);
        assertEquals(
                List.of(pid), runningPids(containers("rt")), "the same process, not a new one");
    }

    @Test
    void drainStopsContainersRefusesDeploysAndKeepsTheDesiredState() {
        node.engine.deploy(request("dr", Map.of("web", sleeper(2).build())));
        awaitRunning("dr", 2);
        List<Long> pids = runningPids(containers("dr"));
        node.engine.drain(Instant.now().plusSeconds(10));
        pids.forEach(p -> assertFalse(alive(p), "stopped by the drain"));
        FailedPreconditionException e =
                assertThrows(
                        FailedPreconditionException.class,
                        () ->
                                node.engine.deploy(
                                        request("late", Map.of("web", sleeper(1).build()))));
        assertTrue(e.getMessage().contains("node is draining"), e.getMessage());
        assertEquals(DeploymentState.RUNNING, node.store.deployment("dr").orElseThrow().state());
        assertTrue(node.store.deployment("late").isEmpty());
    }

    @Test
    void environmentValuesNeverReachEvents() {
        node.engine.deploy(
                new ai.hanzo.node.api.compute.DeploymentRequest(
                        "env",
                        "",
                        new ai.hanzo.node.api.compute.ComposeSpec(
                                "3.8",
                                "env",
                                Map.of(
                                        "web",
                                        sleeper(1).env("API_TOKEN", "s3cr3t-value-1").build()),
                                Map.of(),
                                Map.of()),
                        Map.of("DB_PASSWORD", "s3cr3t-value-2"),
                        ai.hanzo.node.api.compute.DeploymentOptions.onRuntime("process")));
        awaitRunning("env", 1);
        String rendered = node.engine.deployment("env").orElseThrow().toString();
        assertFalse(rendered.contains("s3cr3t"), rendered);
        assertTrue(rendered.contains("DB_PASSWORD"), rendered);
        node.engine.remove("env", false);
        await().atMost(WAIT).until(() -> node.store.deployment("env").isEmpty());
        Set<String> texts = new HashSet<>();
        for (NodeEvent e : node.events) {
            texts.add(e.message());
            texts.addAll(e.attributes().values());
        }
        assertTrue(texts.stream().noneMatch(t -> t.contains("s3cr3t")), texts.toString());
        assertFalse(node.engine.deployment("env").isPresent());
    }
}
