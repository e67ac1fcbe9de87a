package ai.hanzo.node.compute.internal;

import static ai.hanzo.node.compute.internal.Fixtures.request;
import static ai.hanzo.node.compute.internal.Fixtures.sleeper;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.AlreadyExistsException;
import ai.hanzo.node.api.ErrorCode;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.compute.ComposeSpec;
import ai.hanzo.node.api.compute.DeploySpec;
import ai.hanzo.node.api.compute.DeploymentOptions;
import ai.hanzo.node.api.compute.DeploymentRequest;
import ai.hanzo.node.api.compute.DeploymentState;
import ai.hanzo.node.api.compute.ResourceLimits;
import ai.hanzo.node.api.compute.ResourceSpec;
import ai.hanzo.node.api.compute.ServiceDependency;
import ai.hanzo.node.api.compute.ServiceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad deployments are refused with the field named, and leave nothing behind. */
class BadInputTest {
    @TempDir static Path dir;
    private static ComputeNode node;

    @BeforeAll
    static void open() {
        node = new ComputeNode(dir);
    }

    @AfterAll
    static void close() {
        node.engine.close();
        node.killAll();
        node.close();
    }

    @AfterEach
    void nothingLeftBehind() throws Exception {
        assertTrue(
                node.store.deployments().stream().allMatch(d -> d.id().equals("dup")),
                node.store.deployments().toString());
        try (Stream<Path> s = Files.list(dir.resolve("compute/process"))) {
            assertEquals(
                    node.runtime.list(Map.of()).size(),
                    s.count(),
                    "no stray container directories");
        }
    }

    private void refused(ErrorCode code, String field, DeploymentRequest request) {
        NodeException e = assertThrows(NodeException.class, () -> node.engine.deploy(request));
        assertEquals(code, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(field), "names " + field + ": " + e.getMessage());
        assertTrue(node.store.deployment(request.deploymentId()).isEmpty());
        assertTrue(
                node.runtime
                        .list(Map.of(DeploymentEngine.LABEL_DEPLOYMENT, request.deploymentId()))
                        .isEmpty());
    }

    private static ServiceSpec withLimits(String cpus, String memory) {
        return sleeper(1)
                .deploy(
                        new DeploySpec(
                                1,
                                Optional.of(
                                        new ResourceSpec(
                                                Optional.of(new ResourceLimits(cpus, memory)),
                                                Optional.empty()))))
                .build();
    }

    @Test
    void noServices() {
        refused(ErrorCode.INVALID_ARGUMENT, "spec.services", request("none", Map.of()));
    }

    @Test
    void badPortString() {
        refused(
                ErrorCode.INVALID_ARGUMENT,
                "services.web.ports[1]",
                request("port", Map.of("web", sleeper(1).port("8080:80").port("80:http").build())));
    }

    @Test
    void badMemoryString() {
        refused(
                ErrorCode.INVALID_ARGUMENT,
                "services.web.deploy.resources.limits.memory",
                request("mem", Map.of("web", withLimits("0.5", "lots"))));
        refused(
                ErrorCode.INVALID_ARGUMENT,
                "services.web.deploy.resources.limits.cpus",
                request("cpu", Map.of("web", withLimits("-1", "64m"))));
    }

    @Test
    void replicasOutOfRange() {
        refused(
                ErrorCode.INVALID_ARGUMENT,
                "services.web.deploy.replicas",
                request("many", Map.of("web", sleeper(1000).build())));
        refused(
                ErrorCode.INVALID_ARGUMENT,
                "services.web.deploy.replicas",
                request("negative", Map.of("web", sleeper(-1).build())));
    }

    @Test
    void unknownRuntimeNamesTheAvailableOnes() {
        DeploymentRequest r =
                new DeploymentRequest(
                        "rkt",
                        "",
                        new ComposeSpec(
                                "3.8",
                                "rkt",
                                Map.of("web", sleeper(1).build()),
                                Map.of(),
                                Map.of()),
                        Map.of(),
                        DeploymentOptions.onRuntime("rkt"));
        refused(ErrorCode.INVALID_ARGUMENT, "available: process", r);
        refused(ErrorCode.INVALID_ARGUMENT, "options.labels.hanzo.runtime", r);
    }

    @Test
    void missingImage() {
        refused(
                ErrorCode.NOT_FOUND,
                "services.web.image",
                request("img", Map.of("web", ServiceSpec.builder("/no/such/program").build())));
        refused(
                ErrorCode.NOT_FOUND,
                "services.web.image",
                request(
                        "img2",
                        Map.of(
                                "web",
                                ServiceSpec.builder("")
                                        .command("no-such-program-anywhere")
                                        .build())));
        refused(
                ErrorCode.INVALID_ARGUMENT,
                "services.web.image",
                request("img3", Map.of("web", ServiceSpec.builder("").build())));
    }

    @Test
    void otherBadFields() {
        refused(
                ErrorCode.INVALID_ARGUMENT,
                "services.web.restart",
                request("r", Map.of("web", sleeper(1).restart("sometimes").build())));
        refused(
                ErrorCode.INVALID_ARGUMENT,
                "services.web.depends_on",
                request(
                        "d",
                        Map.of(
                                "web",
                                sleeper(1).dependsOn("db", ServiceDependency.started()).build())));
        refused(
                ErrorCode.INVALID_ARGUMENT,
                "dependency cycle",
                request(
                        "c",
                        Map.of(
                                "a", sleeper(1).dependsOn("b", ServiceDependency.started()).build(),
                                "b",
                                        sleeper(1)
                                                .dependsOn("a", ServiceDependency.started())
                                                .build())));
        refused(
                ErrorCode.INVALID_ARGUMENT,
                "services.web.stop_grace_period",
                request("g", Map.of("web", sleeper(1).stopGracePeriod("soon").build())));
        refused(
                ErrorCode.INVALID_ARGUMENT,
                "deployment_id",
                request("bad id!", Map.of("web", sleeper(1).build())));
    }

    @Test
    void duplicateIdKeepsTheFirst() {
        node.engine.deploy(request("dup", Map.of("web", sleeper(1).build())));
        await().atMost(Duration.ofSeconds(20))
                .until(
                        () ->
                                node.engine.status("dup").orElseThrow().state()
                                        == DeploymentState.RUNNING);
        AlreadyExistsException e =
                assertThrows(
                        AlreadyExistsException.class,
                        () ->
                                node.engine.deploy(
                                        request("dup", Map.of("other", sleeper(2).build()))));
        assertTrue(e.getMessage().contains("deployment_id"), e.getMessage());
        assertEquals(Map.of("web", 1), node.store.deployment("dup").orElseThrow().replicas());
        assertEquals(1, node.runtime.list(Map.of(DeploymentEngine.LABEL_DEPLOYMENT, "dup")).size());
    }

    @Test
    void scaleAndStopOfUnknownThingsAreNotFound() {
        assertEquals(
                ErrorCode.NOT_FOUND,
                assertThrows(NodeException.class, () -> node.engine.scale("ghost", "web", 1))
                        .code());
        assertEquals(
                ErrorCode.NOT_FOUND,
                assertThrows(NodeException.class, () -> node.engine.stop("ghost", false)).code());
        assertEquals(
                ErrorCode.NOT_FOUND,
                assertThrows(NodeException.class, () -> node.engine.inspect("nope")).code());
    }
}
