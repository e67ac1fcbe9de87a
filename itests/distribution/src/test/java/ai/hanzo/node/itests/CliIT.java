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

    // bin/hanzo-node exec on a pseudo-terminal made by script(1), with what is typed on it
    private static NodeProcess.Result onTerminal(NodeProcess node, String input, String... execArgs)
            throws Exception {
        List<String> words =
                new ArrayList<>(
                        List.of(
                                home.resolve("bin/hanzo-node").toString(),
                                "exec",
                                "--grpc-addr",
                                node.grpcAddress(),
                                "--data-dir",
                                home.resolve("data").toString()));
        words.addAll(List.of(execArgs));
        Process pty =
                new ProcessBuilder("script", "-qfec", String.join(" ", words), "/dev/null")
                        .redirectErrorStream(true)
                        .start();
        pty.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        pty.getOutputStream().flush();
        if (!pty.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            pty.destroyForcibly();
            throw new AssertionError("exec on a terminal did not finish within 60 s");
        }
        String printed = new String(pty.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        pty.getOutputStream().close();
        return new NodeProcess.Result(pty.exitValue(), printed);
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
            node.awaitServing(Duration.ofMinutes(3));

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

            // exec from a real terminal (script(1) gives the CLI a pseudo-terminal): what is typed
            // reaches the remote shell, and its exit code comes back
            NodeProcess.Result typed =
                    onTerminal(
                            node, "echo pty-$((6*7))\nexit 3\n", "-i", container, "--", "/bin/sh");
            assertEquals(3, typed.exitCode(), typed.output());
            assertTrue(typed.output().contains("pty-42"), typed.output());
            // -t gives the remote command a terminal of its own (the process runtime opens a pty):
            // the shell sees one, runs what is typed, and its exit code comes back
            NodeProcess.Result tty =
                    onTerminal(
                            node,
                            "test -t 0 && echo remote-tty-$((6*7))\nexit 5\n",
                            "-i",
                            "-t",
                            container,
                            "--",
                            "/bin/sh");
            assertEquals(5, tty.exitCode(), tty.output());
            assertTrue(tty.output().contains("remote-tty-42"), tty.output());

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
