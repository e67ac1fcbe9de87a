package ai.hanzo.node.cli;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real anvil (npm {@code @foundry-rs/anvil}, installed into contracts/node_modules by the build)
 * on 127.0.0.1 with a chosen chain id. Fails with the reason when the binary is missing.
 */
final class TestAnvil implements AutoCloseable {
    /** anvil's pre-funded account 0. */
    static final String DEPLOYER_KEY =
            "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    /** anvil's pre-funded account 1. */
    static final String OPERATOR_KEY =
            "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    /** anvil's pre-funded account 2. */
    static final String SECOND_OPERATOR_KEY =
            "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int port = freePort();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Process process;

    TestAnvil(long chainId) throws IOException {
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
        await().atMost(Duration.ofSeconds(20))
                .ignoreExceptions()
                .until(() -> rpc("eth_chainId").asText().startsWith("0x"));
    }

    private static Path binary() {
        Path modules =
                Path.of(System.getProperty("contracts.dir", "../../contracts"))
                        .resolve("node_modules/@foundry-rs");
        try (DirectoryStream<Path> platforms = Files.newDirectoryStream(modules, "anvil-*")) {
            for (Path platform : platforms) {
                Path bin = platform.resolve("bin/anvil");
                if (Files.isRegularFile(bin)) {
                    bin.toFile().setExecutable(true);
                    return bin;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(
                    "anvil is not installed under " + modules + " (the build runs npm ci there)",
                    e);
        }
        throw new IllegalStateException("no anvil binary for this platform under " + modules);
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    JsonNode rpc(String method, Object... params) throws IOException, InterruptedException {
        String body =
                JSON.writeValueAsString(
                        Map.of(
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

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
