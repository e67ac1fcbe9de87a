package ai.hanzo.node.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.proto.v1.ComposeSpec;
import ai.hanzo.node.proto.v1.ContainerInfo;
import ai.hanzo.node.proto.v1.DeployRequest;
import ai.hanzo.node.proto.v1.DeployResponse;
import ai.hanzo.node.proto.v1.DeploySpec;
import ai.hanzo.node.proto.v1.DeploymentStatus;
import ai.hanzo.node.proto.v1.ExecInput;
import ai.hanzo.node.proto.v1.ExecOutput;
import ai.hanzo.node.proto.v1.GetEventsRequest;
import ai.hanzo.node.proto.v1.GetLogsRequest;
import ai.hanzo.node.proto.v1.GetStatusRequest;
import ai.hanzo.node.proto.v1.ListContainersRequest;
import ai.hanzo.node.proto.v1.LogEntry;
import ai.hanzo.node.proto.v1.NodeEvent;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import ai.hanzo.node.proto.v1.NodeState;
import ai.hanzo.node.proto.v1.RemoveRequest;
import ai.hanzo.node.proto.v1.ResourceLimits;
import ai.hanzo.node.proto.v1.ResourceSpec;
import ai.hanzo.node.proto.v1.ServiceSpec;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The runc example plugin hot-installed into a running distribution: dropped into deploy/, its
 * runtime runs a deployment made through gRPC Deploy (logs, exec with exit code, cgroup memory
 * limit), and removing the jar takes the plugin away while the node stays READY; then the same
 * through {@code bin/hanzo-node plugin} (the gRPC PluginService): install from a file and from a
 * {@code mvn:} location, list, update in place, uninstall, and the refusals.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RuncPluginIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static Path home;
    private static NodeProcess node;
    private static Path jar;

    @BeforeAll
    static void startNode() throws Exception {
        home = NodeProcess.unpack("runc-plugin");
        jar = Path.of(System.getProperty("hanzo.example.runc.jar"));
        assertTrue(Files.isRegularFile(jar), "example plugin built: " + jar);
        node = NodeProcess.start(home, List.of()).awaitServing(Duration.ofMinutes(3));
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    @Order(1)
    void theRuncPluginRunsADeploymentAfterAHotInstallAndGoesCleanly() throws Exception {
        {
            String key = Files.readString(home.resolve("data/admin.key")).trim();
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), key);
            NodeServiceGrpc.NodeServiceBlockingStub admin =
                    NodeServiceGrpc.newBlockingStub(node.channel())
                            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            NodeServiceGrpc.NodeServiceStub async =
                    NodeServiceGrpc.newStub(node.channel())
                            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));

            BlockingQueue<NodeEvent> events = new LinkedBlockingQueue<>();
            Context.CancellableContext watching = Context.current().withCancellation();
            watching.run(
                    () ->
                            async.getEvents(
                                    GetEventsRequest.newBuilder()
                                            .addEventTypes("plugin.active")
                                            .addEventTypes("plugin.unavailable")
                                            .addEventTypes("plugin.failed")
                                            .addEventTypes("plugin.uninstalled")
                                            .build(),
                                    observer(events)));
            try {
                Path dropped = drop(jar, home.resolve("deploy"));
                NodeEvent active = awaitEvent(events, "runc", node);
                // the bundle can be active a moment before its runtime is registered and
                // self-tested: that is a second plugin.active, naming the runtime
                while (active.getEventType().equals("plugin.active")
                        && active.getAttributesOrDefault("provides", "").isEmpty()) {
                    active = awaitEvent(events, "runc", node);
                }
                assertEquals(
                        "plugin.active",
                        active.getEventType(),
                        active + " (plugin not active: its reason is above)");
                assertEquals("runtime:runc", active.getAttributesOrDefault("provides", ""));

                // the orchestrator self-tests a new runtime on its own: until it has, a deploy on
                // it is refused (FAILED_PRECONDITION, nothing created), so try until accepted
                await().atMost(WAIT)
                        .ignoreExceptionsMatching(
                                e ->
                                        e instanceof io.grpc.StatusRuntimeException sre
                                                && sre.getStatus().getCode()
                                                        == io.grpc.Status.Code.FAILED_PRECONDITION)
                        .until(
                                () ->
                                        admin.withDeadlineAfter(30, TimeUnit.SECONDS)
                                                .deploy(deployment()),
                                DeployResponse::getSuccess);
                await().atMost(WAIT)
                        .until(
                                () -> status(admin),
                                s ->
                                        s != null
                                                && s.getStatus().equals("running")
                                                && s.getReadyReplicas() == 1);

                List<ContainerInfo> containers =
                        admin.listContainers(
                                        ListContainersRequest.newBuilder()
                                                .setAll(true)
                                                .putFilters("hanzo.deployment", "runc-e2e")
                                                .build())
                                .getContainersList();
                assertEquals(1, containers.size(), containers.toString());
                ContainerInfo container = containers.get(0);
                assertTrue(container.getId().startsWith("runc-"), container.toString());
                assertEquals("running", container.getState());

                await().atMost(WAIT).until(() -> logs(admin).contains("hello-from-runc"));

                Exec exec =
                        exec(
                                async,
                                container.getId(),
                                List.of(
                                        "sh",
                                        "-c",
                                        "cat /sys/fs/cgroup/memory/memory.limit_in_bytes"
                                                + " 2>/dev/null || cat /sys/fs/cgroup/memory.max;"
                                                + " exit 7"));
                assertEquals(7, exec.code(), exec.toString());
                assertEquals(Long.toString(64L << 20), exec.stdout().strip());

                assertTrue(
                        admin.remove(RemoveRequest.newBuilder().setDeploymentId("runc-e2e").build())
                                .getSuccess());
                await().atMost(WAIT).until(() -> status(admin) == null);
                assertEquals(
                        0,
                        admin.listContainers(
                                        ListContainersRequest.newBuilder()
                                                .setAll(true)
                                                .putFilters("hanzo.deployment", "runc-e2e")
                                                .build())
                                .getContainersCount());

                Files.delete(dropped);
                NodeEvent gone = awaitEvent(events, "runc", node);
                assertEquals("plugin.uninstalled", gone.getEventType(), gone.toString());
                assertEquals(
                        NodeState.NODE_STATE_READY,
                        admin.getStatus(GetStatusRequest.getDefaultInstance()).getState());
            } finally {
                watching.cancel(null);
                // whatever failed above, the next test starts without the plugin
                Files.deleteIfExists(home.resolve("deploy/runtime-runc.jar"));
            }
        }
    }

    @Test
    @Order(2)
    void thePluginCommandInstallsListsUpdatesAndUninstallsThroughThePluginService()
            throws Exception {
        await().atMost(WAIT)
                .until(
                        () -> cli("plugin", "list", "-o", "json"),
                        listed -> listed.exitCode() == 0 && !listed.output().contains("\"runc\""));

        NodeProcess.Result installed = cli("plugin", "install", jar.toString());
        assertEquals(0, installed.exitCode(), installed.output() + node.output());
        assertTrue(
                installed.output().contains("Installed plugin runc")
                        && installed.output().contains("active (runtime:runc)"),
                installed.output());
        assertTrue(Files.exists(home.resolve("deploy").resolve(jar.getFileName())));

        NodeProcess.Result table = cli("plugin", "list");
        assertEquals(0, table.exitCode(), table.output());
        assertTrue(table.output().startsWith("NAME"), table.output());
        assertTrue(table.output().contains("runtime:runc"), table.output());
        NodeProcess.Result json = cli("plugin", "list", "-o", "json");
        assertTrue(json.output().contains("\"name\": \"runc\""), json.output());
        assertTrue(json.output().contains("\"state\": \"active\""), json.output());

        // refusals say why and change nothing
        NodeProcess.Result twice = cli("plugin", "install", jar.toString());
        assertEquals(1, twice.exitCode(), twice.output());
        assertTrue(twice.output().contains("plugin runc is installed"), twice.output());
        Path notAPlugin = Files.writeString(home.resolve("not-a-plugin.jar"), "text");
        NodeProcess.Result bad = cli("plugin", "install", notAPlugin.toString());
        assertEquals(2, bad.exitCode(), bad.output());
        assertTrue(
                bad.output().contains("not a jar") || bad.output().contains("no manifest"),
                bad.output());
        NodeProcess.Result usage = cli("plugin", "frobnicate");
        assertEquals(2, usage.exitCode(), usage.output());

        // an update replaces the jar in place: the new version is what the extender sees
        Path newer = withVersion(jar, home.resolve("runtime-runc-9.9.9.jar"), "9.9.9");
        NodeProcess.Result updated = cli("plugin", "update", "runc", newer.toString());
        assertEquals(0, updated.exitCode(), updated.output() + node.output());
        assertTrue(
                updated.output().contains("Updated plugin runc 9.9.9: active"), updated.output());

        NodeProcess.Result uninstalled = cli("plugin", "uninstall", "runc");
        assertEquals(0, uninstalled.exitCode(), uninstalled.output());
        assertTrue(Files.notExists(home.resolve("deploy").resolve(jar.getFileName())));
        NodeProcess.Result again = cli("plugin", "uninstall", "runc");
        assertEquals(5, again.exitCode(), again.output());

        // mvn: the node resolves it from its own repositories (here the distribution's system/)
        Path repo =
                Files.createDirectories(
                        home.resolve("system/ai/hanzo/examples/runtime-runc/1.0.0"));
        Files.copy(
                jar, repo.resolve("runtime-runc-1.0.0.jar"), StandardCopyOption.REPLACE_EXISTING);
        NodeProcess.Result fromMaven =
                cli("plugin", "install", "mvn:ai.hanzo.examples/runtime-runc/1.0.0", "-o", "json");
        assertEquals(0, fromMaven.exitCode(), fromMaven.output() + node.output());
        assertTrue(
                fromMaven.output().contains("\"provides\": [\"runtime:runc\"]"),
                fromMaven.output());
        NodeProcess.Result missing =
                cli("plugin", "install", "mvn:ai.hanzo.examples/no-such-plugin/1.0.0");
        assertEquals(2, missing.exitCode(), missing.output());
        assertEquals(0, cli("plugin", "uninstall", "runc").exitCode());
    }

    private static NodeProcess.Result cli(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/hanzo-node").toString()));
        command.add(args[0]);
        command.addAll(
                List.of(
                        "--grpc-addr",
                        node.grpcAddress(),
                        "--data-dir",
                        home.resolve("data").toString()));
        command.addAll(List.of(args).subList(1, args.length));
        return NodeProcess.run(command, Map.of("HOME", home.toString()));
    }

    /** The same jar with another Bundle-Version: a real new version of the plugin. */
    static Path withVersion(Path jar, Path target, String version) throws Exception {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
            Manifest manifest = new Manifest(in.getManifest());
            manifest.getMainAttributes().put(new Attributes.Name("Bundle-Version"), version);
            try (JarOutputStream out =
                    new JarOutputStream(Files.newOutputStream(target), manifest)) {
                JarEntry entry;
                while ((entry = in.getNextJarEntry()) != null) {
                    out.putNextEntry(new JarEntry(entry.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        return target;
    }

    private static DeployRequest deployment() {
        ServiceSpec web =
                ServiceSpec.newBuilder()
                        .setImage("busybox")
                        .addAllCommand(
                                List.of(
                                        "sh",
                                        "-c",
                                        "trap 'exit 0' TERM; echo hello-from-runc;"
                                                + " sleep 600 & wait"))
                        .setDeploy(
                                DeploySpec.newBuilder()
                                        .setReplicas(1)
                                        .setResources(
                                                ResourceSpec.newBuilder()
                                                        .setLimits(
                                                                ResourceLimits.newBuilder()
                                                                        .setMemory("64M"))))
                        .build();
        return DeployRequest.newBuilder()
                .setDeploymentId("runc-e2e")
                .setName("runc-e2e")
                .setSpec(ComposeSpec.newBuilder().putServices("web", web))
                .setOptions(
                        ai.hanzo.node.proto.v1.DeploymentOptions.newBuilder()
                                .putLabels("hanzo.runtime", "runc"))
                .build();
    }

    private static DeploymentStatus status(NodeServiceGrpc.NodeServiceBlockingStub admin) {
        for (DeploymentStatus d :
                admin.getStatus(GetStatusRequest.getDefaultInstance()).getDeploymentsList()) {
            if (d.getDeploymentId().equals("runc-e2e")) {
                return d;
            }
        }
        return null;
    }

    private static String logs(NodeServiceGrpc.NodeServiceBlockingStub admin) {
        StringBuilder out = new StringBuilder();
        Iterator<LogEntry> entries =
                admin.withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getLogs(GetLogsRequest.newBuilder().setDeploymentId("runc-e2e").build());
        entries.forEachRemaining(e -> out.append(e.getMessage()).append('\n'));
        return out.toString();
    }

    /** Written aside and moved in, so File Install never reads half a jar. */
    static Path drop(Path jar, Path deploy) throws Exception {
        Path part = deploy.resolveSibling(jar.getFileName() + ".part");
        Files.copy(jar, part, StandardCopyOption.REPLACE_EXISTING);
        return Files.move(
                part,
                deploy.resolve("runtime-runc.jar"),
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    private static NodeEvent awaitEvent(
            BlockingQueue<NodeEvent> events, String plugin, NodeProcess node)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<NodeEvent> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            NodeEvent e = events.poll(1, TimeUnit.SECONDS);
            if (e != null && e.getResourceId().equals(plugin)) {
                return e;
            }
            if (e != null) {
                seen.add(e);
            }
        }
        throw new AssertionError(
                "no event for plugin " + plugin + "; saw " + seen + "; node:\n" + node.output());
    }

    private static <T> StreamObserver<T> observer(BlockingQueue<T> into) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                into.add(value);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        };
    }

    private record Exec(int code, String stdout, String stderr) {}

    private static Exec exec(NodeServiceGrpc.NodeServiceStub async, String id, List<String> command)
            throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> code = new CompletableFuture<>();
        StreamObserver<ExecInput> input =
                async.execInContainer(
                        new StreamObserver<>() {
                            @Override
                            public void onNext(ExecOutput o) {
                                out.writeBytes(o.getStdout().toByteArray());
                                err.writeBytes(o.getStderr().toByteArray());
                                if (o.getDone()) {
                                    code.complete(o.getExitCode());
                                }
                            }

                            @Override
                            public void onError(Throwable t) {
                                code.completeExceptionally(t);
                            }

                            @Override
                            public void onCompleted() {
                                code.completeExceptionally(
                                        new AssertionError("exec ended without an exit code"));
                            }
                        });
        input.onNext(ExecInput.newBuilder().setContainerId(id).addAllCommand(command).build());
        input.onNext(ExecInput.newBuilder().setStdinEof(true).build());
        int exit = code.get(30, TimeUnit.SECONDS);
        input.onCompleted();
        return new Exec(
                exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
