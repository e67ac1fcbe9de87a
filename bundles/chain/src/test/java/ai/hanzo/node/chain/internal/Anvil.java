package ai.hanzo.node.chain.internal;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real anvil (Foundry's EVM node from npm, installed into contracts/node_modules by the build) on
 * 127.0.0.1 with a chosen chain id. Fails with the reason when the binary is missing.
 */
final class Anvil implements AutoCloseable {
    /** anvil's pre-funded account 0: deploys the registry, owns it and is its slasher. */
    static final String DEPLOYER_KEY =
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    /** anvil's pre-funded account 1: the operator in tests. */
    static final String OPERATOR_KEY =
            "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final long chainId;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();
    private Process process;

    private Anvil(long chainId, int port) {
        this.chainId = chainId;
        this.port = port;
    }

    static Anvil start(long chainId) {
        Anvil anvil = new Anvil(chainId, freePort());
        anvil.launch();
        return anvil;
    }

    static Path binary() {
        Path modules =
                Path.of(System.getProperty("contracts.dir", "../../contracts"))
                        .resolve("node_modules/@foundry-rs");
        try (DirectoryStream<Path> platforms = Files.newDirectoryStream(modules, "anvil-*")) {
            for (Path platform : platforms) {
                Path bin = platform.resolve("bin/anvil");
                if (Files.isExecutable(bin)) {
                    return bin;
                }
                if (Files.isRegularFile(bin)) {
                    bin.toFile().setExecutable(true);
                    return bin;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(
                    "anvil is not installed under "
                            + modules
                            + " (the build runs npm ci in contracts/)",
                    e);
        }
        throw new IllegalStateException("no anvil binary for this platform under " + modules);
    }

    void launch() {
        try {
            process =
                    new ProcessBuilder(
                                    binary().toString(),
                                    "--host",
                                    "127.0.0.1",
                                    "--port",
                                    Integer.toString(port),
                                    "--chain-id",
                                    Long.toString(chainId),
                                    "--silent")
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start();
        } catch (IOException e) {
            throw new UncheckedIOException("anvil did not start", e);
        }
        await().atMost(Duration.ofSeconds(20))
                .ignoreExceptions()
                .until(() -> rpc("eth_chainId").asText().startsWith("0x"));
    }

    /** Stops the node: its endpoint refuses connections until {@link #launch()}. */
    void stop() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    long chainId() {
        return chainId;
    }

    /** One JSON-RPC call; fails on a JSON-RPC error. */
    JsonNode rpc(String method, Object... params) throws IOException, InterruptedException {
        String body =
                JSON.writeValueAsString(
                        java.util.Map.of(
                                "jsonrpc",
                                "2.0",
                                "id",
                                1,
                                "method",
                                method,
                                "params",
                                List.of(params)));
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(URI.create(url()))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        JsonNode json = JSON.readTree(response.body());
        if (json.has("error")) {
            throw new IOException(method + ": " + json.get("error"));
        }
        return json.get("result");
    }

    void increaseTime(long seconds) throws IOException, InterruptedException {
        rpc("evm_increaseTime", seconds);
        rpc("evm_mine");
    }

    void automine(boolean on) throws IOException, InterruptedException {
        rpc("evm_setAutomine", on);
    }

    @Override
    public void close() {
        stop();
    }

    private static int freePort() {
        try (ServerSocket socket =
                new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
