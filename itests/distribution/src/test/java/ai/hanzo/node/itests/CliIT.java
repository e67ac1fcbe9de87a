package ai.hanzo.node.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The client commands of {@code bin/hanzo-node} against the real distribution: a compose file
 * deployed on the process runtime, listed, its logs read, and removed, all through the CLI's own
 * JVM (lib/cli) talking gRPC to the running node.
 */
class CliIT {
    private static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        home = NodeProcess.unpack("cli");
    }

    // the connection flags go right after the command name, before any "--" of exec
    private static NodeProcess.Result cli(NodeProcess node, String... args) throws Exception {
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

    @Test
    void deployPsLogsAndRemoveAComposeFileOnTheProcessRuntime() throws Exception {
        Path project = Files.createDirectories(home.resolve("project"));
        Files.writeString(project.resolve(".env"), "GREETING=hello-from-compose\n");
        Path compose = project.resolve("compose.yml");
        Files.writeString(
                compose,
                "name: e2e\n"
                        + "services:\n"
                        + "  greeter:\n"
                        + "    entrypoint: [\"/bin/sh\", \"-c\", \"echo $${GREETING}; exec sleep 600\"]\n"
                        + "    environment:\n"
                        + "      GREETING: ${GREETING}\n"
                        + "    labels:\n"
                        + "      hanzo.runtime: process\n",
                StandardCharsets.UTF_8);
        try (NodeProcess node = NodeProcess.start(home, List.of())) {
            node.awaitServing(Duration.ofSeconds(90));

            NodeProcess.Result status = cli(node, "status");
            assertEquals(0, status.exitCode(), status.output());
            assertTrue(status.output().startsWith("Node:        READY (healthy)"), status.output());

            NodeProcess.Result deploy =
                    cli(
                            node,
                            "deploy",
                            "-f",
                            compose.toString(),
                            "--id",
                            "e2e",
                            "--wait",
                            "--wait-timeout",
                            "60");
            assertEquals(0, deploy.exitCode(), deploy.output() + node.output());
            assertTrue(deploy.output().contains("Deployed e2e as e2e"), deploy.output());

            NodeProcess.Result ps = cli(node, "ps", "e2e");
            assertEquals(0, ps.exitCode(), ps.output());
            assertTrue(ps.output().lines().anyMatch(l -> l.contains("running")), ps.output());

            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> cli(node, "logs", "e2e").output().contains("hello-from-compose"));
            NodeProcess.Result json = cli(node, "logs", "e2e", "greeter", "-o", "json");
            assertEquals(0, json.exitCode(), json.output());
            assertTrue(json.output().contains("\"message\":\"hello-from-compose"), json.output());

            String container = cli(node, "ps", "-q", "--no-trunc", "e2e").output().trim();
            NodeProcess.Result exec =
                    cli(
                            node,
                            "exec",
                            container,
                            "--",
                            "/bin/sh",
                            "-c",
                            "echo in-container; exit 7");
            assertEquals(7, exec.exitCode(), exec.output());
            assertTrue(exec.output().contains("in-container"), exec.output());

            // exec -it through a real pseudo-terminal (script(1)): raw mode on the local terminal,
            // what is typed reaches the remote shell, and its exit code comes back
            String cliCommand =
                    String.join(
                            " ",
                            home.resolve("bin/hanzo-node").toString(),
                            "exec",
                            "--grpc-addr",
                            node.grpcAddress(),
                            "--data-dir",
                            home.resolve("data").toString(),
                            "-i",
                            "-t",
                            container,
                            "--",
                            "/bin/sh");
            Process pty =
                    new ProcessBuilder("script", "-qfec", cliCommand, "/dev/null")
                            .redirectErrorStream(true)
                            .start();
            pty.getOutputStream()
                    .write("echo pty-$((6*7))\nexit 3\n".getBytes(StandardCharsets.UTF_8));
            pty.getOutputStream().flush();
            assertTrue(pty.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "exec -it hung");
            String typed = new String(pty.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            pty.getOutputStream().close();
            assertEquals(3, pty.exitValue(), typed);
            assertTrue(typed.contains("pty-42"), typed);

            // several -f files merge as docker compose merges them
            Path override = project.resolve("compose.override.yml");
            Files.writeString(
                    override,
                    "services:\n  greeter:\n    environment:\n      GREETING: from-override\n",
                    StandardCharsets.UTF_8);
            NodeProcess.Result dry =
                    cli(
                            node,
                            "deploy",
                            "-f",
                            compose.toString(),
                            "-f",
                            override.toString(),
                            "--dry-run",
                            "-o",
                            "json");
            assertEquals(0, dry.exitCode(), dry.output());
            assertTrue(dry.output().contains("\"GREETING\": \"from-override\""), dry.output());

            NodeProcess.Result rm = cli(node, "rm", "e2e");
            assertEquals(0, rm.exitCode(), rm.output());
            assertEquals("Removed e2e\n", rm.output());
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> cli(node, "ps", "-a", "-q", "e2e").output().isBlank());
            NodeProcess.Result again = cli(node, "rm", "e2e");
            assertEquals(5, again.exitCode(), again.output());

            NodeProcess.Result unreachable =
                    NodeProcess.run(
                            List.of(
                                    home.resolve("bin/hanzo-node").toString(),
                                    "status",
                                    "--grpc-addr",
                                    "127.0.0.1:" + NodeProcess.freePort()),
                            Map.of("HOME", home.toString()));
            assertEquals(3, unreachable.exitCode(), unreachable.output());
            assertEquals(0, node.terminate(Duration.ofSeconds(30)), node.output());
        }
    }
}
