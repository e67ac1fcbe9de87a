package ai.hanzo.node.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The chain commands of the real distribution against a real anvil: {@code wallet import} and
 * {@code chain deploy-contract} in the client JVM, then the node configured with that registry,
 * {@code operator register} and {@code operator status} through its OperatorService, and {@code
 * operator status} straight to the chain with the node's data directory.
 */
class OperatorIT {
    private static final String DEPLOYER_KEY =
            "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private static final String OPERATOR_KEY =
            "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    private static final String PASSWORD = "operator-it-password-4b2f";

    private static Path anvilBinary() throws IOException {
        Path modules =
                Path.of(System.getProperty("contracts.dir")).resolve("node_modules/@foundry-rs");
        try (DirectoryStream<Path> platforms = Files.newDirectoryStream(modules, "anvil-*")) {
            for (Path platform : platforms) {
                Path bin = platform.resolve("bin/anvil");
                if (Files.isRegularFile(bin)) {
                    bin.toFile().setExecutable(true);
                    return bin;
                }
            }
        }
        throw new IOException("no anvil under " + modules + " (the build runs npm ci there)");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String field(String output, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"?([^\",}\\s]*)").matcher(output);
        assertTrue(m.find(), name + " in " + output);
        return m.group(1);
    }

    private static NodeProcess.Result cli(Path home, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/hanzo-node").toString()));
        command.addAll(List.of(args));
        return NodeProcess.run(command, Map.of("HOME", home.toString()));
    }

    @Test
    void deployRegisterAndStatusThroughTheRealDistribution() throws Exception {
        Path home = NodeProcess.unpack("operator");
        int port = freePort();
        String rpc = "http://127.0.0.1:" + port;
        Process anvil =
                new ProcessBuilder(
                                anvilBinary().toString(),
                                "--host",
                                "127.0.0.1",
                                "--port",
                                Integer.toString(port),
                                "--chain-id",
                                "31337",
                                "--silent")
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
        try {
            Path keys = Files.createDirectories(home.resolve("keys"));
            Path password = keys.resolve("password");
            Files.writeString(password, PASSWORD + "\n", StandardCharsets.UTF_8);
            Files.writeString(keys.resolve("deployer.hex"), DEPLOYER_KEY);
            Files.writeString(keys.resolve("operator.hex"), OPERATOR_KEY);
            for (String who : List.of("deployer", "operator")) {
                NodeProcess.Result imported =
                        cli(
                                home,
                                "wallet",
                                "import",
                                "--private-key-file",
                                keys.resolve(who + ".hex").toString(),
                                "--keystore",
                                keys.resolve(who + ".json").toString(),
                                "--password-file",
                                password.toString());
                assertEquals(0, imported.exitCode(), imported.output());
            }

            NodeProcess.Result deployed =
                    cli(
                            home,
                            "chain",
                            "deploy-contract",
                            "--rpc-url",
                            rpc,
                            "--chain-id",
                            "31337",
                            "--keystore",
                            keys.resolve("deployer.json").toString(),
                            "--password-file",
                            password.toString(),
                            "--min-stake",
                            "1lux",
                            "--unbonding-delay",
                            "60",
                            "--yes",
                            "-o",
                            "json");
            assertEquals(0, deployed.exitCode(), deployed.output());
            String contract = field(deployed.output(), "contract_address");
            assertTrue(contract.matches("0x[0-9a-fA-F]{40}"), deployed.output());

            Files.writeString(
                    home.resolve("etc/ai.hanzo.node.chain.cfg"),
                    "profile = local\n"
                            + "rpcUrl = "
                            + rpc
                            + "\nchainId = 31337\n"
                            + "contractAddress = "
                            + contract
                            + "\nkeystore = "
                            + keys.resolve("operator.json")
                            + "\npasswordFile = "
                            + password
                            + "\nendpoint = /ip4/127.0.0.1/tcp/19000\n",
                    StandardCharsets.UTF_8);
            try (NodeProcess node = NodeProcess.start(home, List.of())) {
                node.awaitServing(Duration.ofMinutes(3));
                String grpc = node.grpcAddress();
                // the admin key of this node's data directory authenticates the calls
                String data = home.resolve("data").toString();
                // the chain client reads the chain and its registration at start, in the background
                Path log = home.resolve("data/log/hanzo-node.log");
                await().atMost(Duration.ofMinutes(3))
                        .pollInterval(Duration.ofSeconds(1))
                        .until(
                                () ->
                                        Files.isRegularFile(log)
                                                && Files.readString(log, StandardCharsets.UTF_8)
                                                        .contains("is not registered on chain"));
                NodeProcess.Result before =
                        cli(
                                home,
                                "operator",
                                "status",
                                "--grpc-addr",
                                grpc,
                                "--data-dir",
                                data,
                                "-o",
                                "json");
                assertEquals(0, before.exitCode(), before.output());
                assertEquals("false", field(before.output(), "registered"));
                assertEquals("true", field(before.output(), "synced"));

                NodeProcess.Result registered =
                        cli(
                                home,
                                "operator",
                                "register",
                                "--grpc-addr",
                                grpc,
                                "--data-dir",
                                data,
                                "--stake",
                                "1.5lux",
                                "--yes",
                                "-o",
                                "json");
                assertEquals(0, registered.exitCode(), registered.output());
                assertEquals("true", field(registered.output(), "mined"));

                NodeProcess.Result status =
                        cli(
                                home,
                                "operator",
                                "status",
                                "--grpc-addr",
                                grpc,
                                "--data-dir",
                                data,
                                "-o",
                                "json");
                assertEquals(0, status.exitCode(), status.output());
                assertEquals("true", field(status.output(), "registered"));
                assertEquals("1500000000000000000", field(status.output(), "stake_wei"));
                String peerId = field(status.output(), "peer_id");
                assertTrue(peerId.startsWith("12D3KooW"), status.output());

                // straight to the chain: node id and peer id from the data directory
                NodeProcess.Result offline =
                        cli(
                                home,
                                "operator",
                                "status",
                                "--rpc-url",
                                rpc,
                                "--data-dir",
                                home.resolve("data").toString(),
                                "-o",
                                "json");
                assertEquals(0, offline.exitCode(), offline.output());
                assertEquals("true", field(offline.output(), "registered"));
                assertEquals(peerId, field(offline.output(), "peer_id"));
                assertEquals(field(status.output(), "node_id"), field(offline.output(), "node_id"));
            }
        } finally {
            anvil.destroy();
            if (!anvil.waitFor(10, TimeUnit.SECONDS)) {
                anvil.destroyForcibly();
            }
        }
    }
}
