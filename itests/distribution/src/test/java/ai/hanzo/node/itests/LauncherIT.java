package ai.hanzo.node.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.proto.v1.GetHealthRequest;
import ai.hanzo.node.proto.v1.GetHealthResponse;
import ai.hanzo.node.proto.v1.GetStatusRequest;
import ai.hanzo.node.proto.v1.HealthStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/hanzo-node} as an operator uses it: flags, errors, start, health, SIGTERM, restart.
 */
class LauncherIT {
    private static final List<String> SPEC_FLAGS =
            List.of(
                    "--node-id HANZO_NODE_ID",
                    "--grpc-addr HANZO_GRPC_ADDR",
                    "--http-addr HANZO_HTTP_ADDR",
                    "--p2p-addr HANZO_P2P_ADDR",
                    "--data-dir HANZO_DATA_DIR",
                    "--network-id HANZO_NETWORK_ID",
                    "--bootstrap HANZO_BOOTSTRAP",
                    "--operator HANZO_OPERATOR",
                    "--mlx HANZO_MLX",
                    "--log-level HANZO_LOG_LEVEL");

    private static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        home = NodeProcess.unpack("launcher");
    }

    private static NodeProcess.Result hanzoNode(String... args) throws Exception {
        List<String> command =
                new java.util.ArrayList<>(List.of(home.resolve("bin/hanzo-node").toString()));
        command.addAll(List.of(args));
        return NodeProcess.run(command, Map.of());
    }

    @Test
    void helpListsEveryFlagWithItsEnvironmentVariable() throws Exception {
        NodeProcess.Result help = hanzoNode("--help");
        assertEquals(0, help.exitCode(), help.output());
        String[] lines = help.output().split("\n");
        for (String pair : SPEC_FLAGS) {
            String flag = pair.split(" ")[0];
            String env = pair.split(" ")[1];
            boolean listed = false;
            for (int i = 0; i < lines.length - 1; i++) {
                if (lines[i].trim().startsWith(flag + " ") || lines[i].trim().equals(flag)) {
                    listed = lines[i + 1].contains("env " + env);
                }
            }
            assertTrue(listed, flag + " with " + env + " in:\n" + help.output());
        }
    }

    @Test
    void versionPrintsTheVersion() throws Exception {
        NodeProcess.Result version = hanzoNode("--version");
        assertEquals(0, version.exitCode());
        assertTrue(
                version.output().matches("(?s)hanzo-node \\d+\\.\\d+\\.\\d+.*"), version.output());
    }

    @Test
    void unknownFlagExitsNonZeroWithAClearMessage() throws Exception {
        NodeProcess.Result result = hanzoNode("--frobnicate");
        assertEquals(2, result.exitCode());
        assertTrue(
                result.output().contains("hanzo-node: unknown flag --frobnicate"), result.output());
        assertNoStackTrace(result.output());
    }

    @Test
    void badGrpcAddressIsAClearError() throws Exception {
        for (String bad :
                List.of("localhost", "127.0.0.1:notaport", "127.0.0.1:70000", "::1:50051")) {
            NodeProcess.Result result = hanzoNode("--grpc-addr", bad);
            assertEquals(2, result.exitCode(), bad + ": " + result.output());
            assertTrue(
                    result.output().contains("invalid --grpc-addr / HANZO_GRPC_ADDR '" + bad + "'"),
                    result.output());
            assertNoStackTrace(result.output());
        }
    }

    @Test
    void environmentVariableIsCheckedLikeTheFlag() throws Exception {
        NodeProcess.Result result =
                NodeProcess.run(
                        List.of(home.resolve("bin/hanzo-node").toString()),
                        Map.of("HANZO_OPERATOR", "0x12"));
        assertEquals(2, result.exitCode(), result.output());
        assertTrue(
                result.output().contains("invalid --operator / HANZO_OPERATOR '0x12'"),
                result.output());
    }

    @Test
    void mlxOnThisMachineIsAClearError() throws Exception {
        NodeProcess.Result result = hanzoNode("--mlx");
        assertEquals(2, result.exitCode(), result.output());
        assertTrue(
                result.output().contains("--mlx / HANZO_MLX needs macOS on Apple silicon"),
                result.output());
    }

    @Test
    void nodeServesHealthDrainsOnSigtermAndKeepsItsIdAcrossRestarts() throws Exception {
        String firstId;
        try (NodeProcess node = NodeProcess.start(home, List.of("--network-id", "hanzo-itest"))) {
            node.awaitServing(Duration.ofMinutes(3));
            GetHealthResponse health =
                    node.nodeService().getHealth(GetHealthRequest.getDefaultInstance());
            assertEquals(HealthStatus.HEALTH_STATUS_HEALTHY, health.getStatus());
            assertEquals("hanzo-itest", health.getConsensus().getNetworkId());
            assertFalse(health.getConsensus().getSynced(), "no chain is configured, so not synced");

            StatusRuntimeException anonymous =
                    assertThrows(
                            StatusRuntimeException.class,
                            () ->
                                    node.nodeService()
                                            .getStatus(GetStatusRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAUTHENTICATED, anonymous.getStatus().getCode());

            servesStatusHttpAndKeysMadeWhileRunning(node);

            firstId = Files.readString(home.resolve("data/node-id"), StandardCharsets.UTF_8).trim();
            assertTrue(node.output().contains("node id   " + firstId), node.output());
            Set<PosixFilePermission> keyPermissions =
                    Files.getPosixFilePermissions(home.resolve("data/admin.key"));
            assertEquals(
                    Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    keyPermissions);

            assertEquals(0, node.terminate(Duration.ofSeconds(10)), node.output());
            String output = node.output();
            assertTrue(output.contains("SIGTERM received: draining"), output);
            assertTrue(output.contains("drained and stopped"), output);
            assertFalse(
                    output.contains(Files.readString(home.resolve("data/admin.key")).trim()),
                    "the admin key is never printed");
        }
        String log =
                Files.readString(home.resolve("data/log/hanzo-node.log"), StandardCharsets.UTF_8);
        assertTrue(log.contains("drained and stopped"), "the file log has the drain too");

        try (NodeProcess again = NodeProcess.start(home, List.of())) {
            again.awaitServing(Duration.ofMinutes(3));
            assertTrue(again.output().contains("node id   " + firstId), again.output());
            assertEquals(
                    firstId,
                    Files.readString(home.resolve("data/node-id"), StandardCharsets.UTF_8).trim());
            assertEquals(0, again.terminate(Duration.ofSeconds(10)));
        }
    }

    /**
     * The real node: GetStatus with the admin key carries measured metrics; the banner's HTTP
     * address really serves readiness and Prometheus metrics (with the gRPC calls just made); a key
     * made by 'hanzo-node keys create' while the node runs is accepted within seconds.
     */
    private void servesStatusHttpAndKeysMadeWhileRunning(NodeProcess node) throws Exception {
        String admin =
                Files.readString(home.resolve("data/admin.key"), StandardCharsets.UTF_8).trim();
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(
                io.grpc.Metadata.Key.of("x-api-key", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
                admin);
        var status =
                node.nodeService()
                        .withInterceptors(
                                io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers))
                        .getStatus(GetStatusRequest.getDefaultInstance());
        assertEquals(ai.hanzo.node.proto.v1.NodeState.NODE_STATE_READY, status.getState());
        assertTrue(
                status.getMetrics().getMemoryUsage() > 0
                        && status.getMetrics().getMemoryUsage() < 1,
                status.toString());

        java.util.regex.Matcher banner =
                java.util.regex.Pattern.compile("HTTP      (127\\.0\\.0\\.1:\\d+)")
                        .matcher(node.output());
        assertTrue(banner.find(), "the banner names the HTTP address:\n" + node.output());
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpResponse<String> ready =
                http.send(
                        java.net.http.HttpRequest.newBuilder(
                                        java.net.URI.create(
                                                "http://" + banner.group(1) + "/readiness"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode(), ready.body());
        String metrics =
                http.send(
                                java.net.http.HttpRequest.newBuilder(
                                                java.net.URI.create(
                                                        "http://" + banner.group(1) + "/metrics"))
                                        .build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString())
                        .body();
        assertTrue(metrics.contains("hanzo_node_memory_usage_ratio"), metrics);
        assertTrue(
                metrics.contains(
                        "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"GetStatus\""),
                metrics);

        NodeProcess.Result created =
                hanzoNode(
                        "keys",
                        "create",
                        "--role",
                        "viewer",
                        "--data-dir",
                        home.resolve("data").toString());
        assertEquals(0, created.exitCode(), created.output());
        String viewer =
                java.util.Arrays.stream(created.output().split("\n"))
                        .filter(l -> l.startsWith("hzk_"))
                        .findFirst()
                        .orElseThrow();
        io.grpc.Metadata viewerHeaders = new io.grpc.Metadata();
        viewerHeaders.put(
                io.grpc.Metadata.Key.of("x-api-key", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
                viewer);
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .ignoreExceptions()
                .until(
                        () ->
                                node.nodeService()
                                                .withInterceptors(
                                                        io.grpc.stub.MetadataUtils
                                                                .newAttachHeadersInterceptor(
                                                                        viewerHeaders))
                                                .getStatus(GetStatusRequest.getDefaultInstance())
                                                .getState()
                                        == ai.hanzo.node.proto.v1.NodeState.NODE_STATE_READY);
    }

    @Test
    void nodeIdFlagWinsAndIsPersisted() throws Exception {
        Path data = Files.createTempDirectory(home, "data-");
        try (NodeProcess node =
                NodeProcess.start(
                        home, List.of("--data-dir", data.toString(), "--node-id", "gpu-box-7"))) {
            node.awaitServing(Duration.ofMinutes(3));
            assertEquals("gpu-box-7", Files.readString(data.resolve("node-id")).trim());
            assertNotEquals(0, node.process().pid());
            assertEquals(0, node.terminate(Duration.ofSeconds(10)));
        }
    }

    @Test
    void twoNodesFromOneArchiveFindEachOtherThroughABootstrapPeerButNotOnOneDataDir()
            throws Exception {
        Path dataA = Files.createTempDirectory(home, "data-a-");
        Path dataB = Files.createTempDirectory(home, "data-b-");
        try (NodeProcess a =
                NodeProcess.start(
                        home,
                        List.of(
                                "--data-dir",
                                dataA.toString(),
                                "--node-id",
                                "alpha",
                                "--network-id",
                                "itest-net"))) {
            a.awaitServing(Duration.ofMinutes(3));
            Matcher listening =
                    Pattern.compile(
                                    "P2P listening on (/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/(12D3KooW\\w+))")
                            .matcher(a.output());
            assertTrue(listening.find(), a.output());
            try (NodeProcess b =
                    NodeProcess.start(
                            home,
                            List.of(
                                    "--data-dir",
                                    dataB.toString(),
                                    "--node-id",
                                    "beta",
                                    "--network-id",
                                    "itest-net",
                                    "--bootstrap",
                                    listening.group(1)))) {
                b.awaitServing(Duration.ofMinutes(3));
                // each learns the other from its signed heartbeats (every 10 s)
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500))
                        .until(
                                () ->
                                        b.output()
                                                        .contains(
                                                                "Node alpha ("
                                                                        + listening.group(2)
                                                                        + ") joined")
                                                && a.output().contains("Node beta (")
                                                && a.output().contains(") joined"));
                assertEquals(0, b.terminate(Duration.ofSeconds(10)), b.output());
            }
            // a second node on a's data directory is refused at once: it would share a's identity
            // and store
            NodeProcess.Result same =
                    NodeProcess.run(
                            List.of(
                                    home.resolve("bin/hanzo-node").toString(),
                                    "--data-dir",
                                    dataA.toString(),
                                    "--grpc-addr",
                                    "127.0.0.1:" + NodeProcess.freePort(),
                                    "--p2p-addr",
                                    "/ip4/127.0.0.1/tcp/0",
                                    "--mdns=false"),
                            Map.of());
            assertEquals(2, same.exitCode(), same.output());
            assertTrue(
                    same.output()
                            .contains(
                                    "another node is already running with the data directory "
                                            + dataA),
                    same.output());
            assertEquals(0, a.terminate(Duration.ofSeconds(10)), a.output());
        }
    }

    private static void assertNoStackTrace(String output) {
        assertFalse(output.contains("Exception"), "no exception in: " + output);
        assertFalse(output.contains("\tat "), "no stack trace in: " + output);
    }
}
