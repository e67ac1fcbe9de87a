package ai.hanzo.node.rpc.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.compute.Deployment;
import ai.hanzo.node.compute.internal.DeploymentEngine;
import ai.hanzo.node.compute.internal.process.ProcessRuntime;
import ai.hanzo.node.proto.v1.AdminServiceGrpc;
import ai.hanzo.node.proto.v1.BackupStoreRequest;
import ai.hanzo.node.proto.v1.BackupStoreResponse;
import ai.hanzo.node.proto.v1.ComposeSpec;
import ai.hanzo.node.proto.v1.DeployRequest;
import ai.hanzo.node.proto.v1.DeploymentOptions;
import ai.hanzo.node.proto.v1.GetStatusRequest;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import ai.hanzo.node.proto.v1.RemoveRequest;
import ai.hanzo.node.proto.v1.ServiceSpec;
import ai.hanzo.node.rpc.internal.admin.AdminGrpcService;
import ai.hanzo.node.storage.internal.ChronicleNodeStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BackupStore end to end below the framework: a real server with its auth, the real orchestrator
 * and process runtime writing the real Chronicle store, a deployment made over gRPC, then a backup
 * taken while the node runs and opened as a store of its own.
 */
class AdminBackupRpcTest {
    @TempDir Path data;
    private ServerHarness harness;
    private ChronicleNodeStore store;
    private ProcessRuntime runtime;
    private DeploymentEngine engine;
    private NodeServiceGrpc.NodeServiceBlockingStub operator;

    @BeforeEach
    void start() throws Exception {
        harness = new ServerHarness(data.resolve("node"), Map.of("shutdownGraceSeconds", 0));
        store = ChronicleNodeStore.open(data.resolve("store"));
        runtime =
                new ProcessRuntime(
                        data.resolve("process"),
                        harness.node.scheduler,
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
                        harness.node.scheduler,
                        e -> {},
                        () -> false,
                        Clock.systemUTC(),
                        new DeploymentEngine.Settings(
                                100,
                                Duration.ofSeconds(5),
                                Duration.ofSeconds(30),
                                Duration.ofSeconds(30)));
        engine.addRuntime(runtime);
        await().atMost(Duration.ofSeconds(10))
                .until(
                        () ->
                                engine.runtimes().stream()
                                        .allMatch(r -> r.availability().available()));
        harness.server.setOrchestrator(engine);
        harness.server.addService(new AdminGrpcService(store));
        operator = harness.as(NodeServiceGrpc.newBlockingStub(harness.channel()), Role.OPERATOR);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            operator.remove(RemoveRequest.newBuilder().setDeploymentId("web").build());
        } catch (RuntimeException e) {
            // not deployed (a failed start)
        }
        harness.close();
        engine.close();
        runtime.close();
        store.close();
    }

    @Test
    void adminBacksUpARunningNodeAndTheBackupOpensWithTheDeployment() throws Exception {
        assertTrue(
                operator.deploy(
                                DeployRequest.newBuilder()
                                        .setDeploymentId("web")
                                        .setSpec(
                                                ComposeSpec.newBuilder()
                                                        .putServices(
                                                                "app",
                                                                ServiceSpec.newBuilder()
                                                                        .addEntrypoint("/bin/sh")
                                                                        .addEntrypoint("-c")
                                                                        .addEntrypoint(
                                                                                "exec sleep 300")
                                                                        .putEnvironment(
                                                                                "DB_PASSWORD",
                                                                                "s3cret")
                                                                        .setRestart("no")
                                                                        .build()))
                                        .setOptions(
                                                DeploymentOptions.newBuilder()
                                                        .putLabels("hanzo.runtime", "process"))
                                        .build())
                        .getSuccess());
        await().atMost(Duration.ofSeconds(20))
                .until(
                        () ->
                                operator
                                        .getStatus(GetStatusRequest.getDefaultInstance())
                                        .getDeploymentsList()
                                        .stream()
                                        .anyMatch(
                                                d ->
                                                        d.getDeploymentId().equals("web")
                                                                && d.getStatus()
                                                                        .equals("running")));
        AdminServiceGrpc.AdminServiceBlockingStub admin =
                AdminServiceGrpc.newBlockingStub(harness.channel());
        Path out = data.resolve("backup").toAbsolutePath();
        BackupStoreRequest request =
                BackupStoreRequest.newBuilder().setOutputDir(out.toString()).build();

        StatusRuntimeException denied =
                assertThrows(
                        StatusRuntimeException.class,
                        () -> harness.as(admin, Role.OPERATOR).backupStore(request));
        assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
        assertFalse(Files.exists(out));
        StatusRuntimeException relative =
                assertThrows(
                        StatusRuntimeException.class,
                        () ->
                                harness.as(admin, Role.ADMIN)
                                        .backupStore(
                                                BackupStoreRequest.newBuilder()
                                                        .setOutputDir("backup")
                                                        .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, relative.getStatus().getCode());

        BackupStoreResponse response = harness.as(admin, Role.ADMIN).backupStore(request);
        assertEquals(out.toString(), response.getOutputDir());
        assertEquals(1, response.getDeployments());
        assertEquals(6, response.getFiles());

        // the node goes on: it still answers and its deployment still runs
        assertEquals(
                "running",
                operator.getStatus(GetStatusRequest.getDefaultInstance())
                        .getDeploymentsList()
                        .get(0)
                        .getStatus());
        ChronicleNodeStore restored = ChronicleNodeStore.open(out);
        try {
            Deployment web = restored.deployment("web").orElseThrow();
            assertEquals(
                    "s3cret", web.spec().services().get("app").environment().get("DB_PASSWORD"));
            assertEquals(store.deployment("web").orElseThrow().spec(), web.spec());
            assertFalse(restored.containers().isEmpty());
        } finally {
            restored.close();
        }
    }
}
