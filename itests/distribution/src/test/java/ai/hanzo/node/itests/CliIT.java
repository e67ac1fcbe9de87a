package ai.hanzo.node.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
        return runClient(node, Map.of("HOME", home.toString()), args);
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

            appCdsArchiveServesClientCommands(node);
            chainJarsOnlyForTheCommandsThatNeedThem();

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

    /**
     * The client's AppCDS archive: dumped in the background by an install's first client command
     * from lib/cli/hanzo-cli.classlist, then mapped by later commands (picocli, the commands and
     * gRPC come from it); a jar changed after the dump makes the next command run without it, with
     * clean output, and dump it again.
     */
    private static void appCdsArchiveServesClientCommands(NodeProcess node) throws Exception {
        Path archive = home.resolve("lib/cli/hanzo-cli.jsa");
        await().atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> Files.exists(archive));
        Path loaded = home.resolve("class-load.log");
        Map<String, String> env =
                Map.of(
                        "HOME",
                        home.toString(),
                        "HANZO_CLI_JAVA_OPTS",
                        "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m -Xlog:class+load:file="
                                + loaded);
        NodeProcess.Result status = runClient(node, env, "status", "-o", "json");
        assertEquals(0, status.exitCode(), status.output());
        assertTrue(status.output().startsWith("{"), status.output());
        List<String> lines = Files.readAllLines(loaded);
        long shared = lines.stream().filter(l -> l.contains("source: shared objects file")).count();
        // everything but generated classes (lambda forms, proxies) comes from the archive
        assertTrue(shared > 0.95 * lines.size(), shared + " of " + lines.size() + " shared");
        // status runs without lib/cli/chain (web3j and what it brings) on its class path
        assertTrue(
                lines.stream().noneMatch(l -> l.contains("lib/cli/chain/")),
                "status loaded classes from lib/cli/chain");
        for (String name :
                List.of(
                        "picocli.CommandLine ",
                        "ai.hanzo.node.cli.StatusCommand ",
                        "io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder ")) {
            assertTrue(
                    lines.stream()
                            .anyMatch(l -> l.contains(name) && l.contains("shared objects file")),
                    name + "not from the archive");
        }

        // a jar newer than the archive (an upgrade copied over the install): the command runs
        // without the archive, prints nothing of it, and a fresh archive replaces the stale one
        Path jar;
        try (var jars = Files.list(home.resolve("lib/cli"))) {
            jar = jars.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow();
        }
        // now: after the archive was written (the status above ran on it), before any new dump
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.from(Instant.now()));
        assertTrue(
                Files.getLastModifiedTime(jar).compareTo(Files.getLastModifiedTime(archive)) > 0);
        NodeProcess.Result stale = cli(node, "ps", "-o", "json");
        assertEquals(0, stale.exitCode(), stale.output());
        assertTrue(stale.output().startsWith("["), stale.output());
        await().atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofMillis(250))
                .until(
                        () ->
                                Files.getLastModifiedTime(archive)
                                                .compareTo(Files.getLastModifiedTime(jar))
                                        >= 0);
    }

    /**
     * lib/cli/chain joins the class path for the commands that build the chain commands (wallet,
     * operator, chain, help, completion, anything the launcher must report), and they dump an
     * archive of their own; a lone --version stays on the short class path, one with more words
     * gets the usage error, not a missing class.
     */
    private static void chainJarsOnlyForTheCommandsThatNeedThem() throws Exception {
        Map<String, String> env = Map.of("HOME", home.toString());
        String bin = home.resolve("bin/hanzo-node").toString();
        Path keystore = home.resolve("no-such-keystore.json");
        NodeProcess.Result wallet =
                NodeProcess.run(
                        List.of(bin, "wallet", "address", "--keystore", keystore.toString()), env);
        assertTrue(wallet.exitCode() != 0, wallet.output());
        assertTrue(wallet.output().contains(keystore.toString()), wallet.output());
        assertTrue(!wallet.output().contains("NoClassDefFoundError"), wallet.output());

        NodeProcess.Result help = NodeProcess.run(List.of(bin, "--help"), env);
        assertEquals(0, help.exitCode(), help.output());
        for (String command : List.of("status", "wallet", "operator", "chain", "completion")) {
            assertTrue(help.output().contains("  " + command + " "), help.output());
        }
        NodeProcess.Result completion = NodeProcess.run(List.of(bin, "completion"), env);
        assertEquals(0, completion.exitCode(), completion.output());
        assertTrue(completion.output().contains("wallet"), completion.output());

        NodeProcess.Result version = NodeProcess.run(List.of(bin, "--version"), env);
        assertEquals(0, version.exitCode(), version.output());
        assertTrue(version.output().startsWith("hanzo-node "), version.output());
        NodeProcess.Result versionAndMore =
                NodeProcess.run(List.of(bin, "--version", "--no-such-flag"), env);
        assertEquals(2, versionAndMore.exitCode(), versionAndMore.output());
        assertTrue(versionAndMore.output().contains("--no-such-flag"), versionAndMore.output());

        // the commands with lib/cli/chain have their own archive
        await().atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> Files.exists(home.resolve("lib/cli/hanzo-cli-chain.jsa")));
    }

    // a client command with the given environment
    private static NodeProcess.Result runClient(
            NodeProcess node, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/hanzo-node").toString()));
        command.add(args[0]);
        command.addAll(
                List.of(
                        "--grpc-addr",
                        node.grpcAddress(),
                        "--data-dir",
                        home.resolve("data").toString()));
        command.addAll(List.of(args).subList(1, args.length));
        return NodeProcess.run(command, env);
    }

    /**
     * {@code exec -it} into a container of the docker runtime, on the private dockerd that this
     * module's pre-integration-test phase starts (bundles/runtime-docker/src/test/sh/dockerd.sh):
     * the CLI on a pseudo-terminal, the node's bidi exec stream, the engine's exec with a TTY.
     */
    @Test
    void execWithATerminalIntoADockerContainer() throws Exception {
        Properties engine = dockerd();
        Files.writeString(
                home.resolve("etc/ai.hanzo.node.docker.cfg"),
                "host = "
                        + engine.getProperty("host")
                        + "\n"
                        + "network = "
                        + engine.getProperty("network")
                        + "\n",
                StandardCharsets.UTF_8);
        Path compose =
                Files.createDirectories(home.resolve("docker-project")).resolve("compose.yml");
        Files.writeString(
                compose,
                "services:\n"
                        + "  shell:\n"
                        + "    image: "
                        + engine.getProperty("image")
                        + "\n"
                        + "    entrypoint: [\"sleep\", \"600\"]\n"
                        + "    labels:\n"
                        + "      hanzo.runtime: docker\n",
                StandardCharsets.UTF_8);
        try (NodeProcess node = NodeProcess.start(home, List.of())) {
            node.awaitServing(Duration.ofSeconds(90));
            NodeProcess.Result deploy =
                    cli(
                            node,
                            "deploy",
                            "-f",
                            compose.toString(),
                            "--id",
                            "dock",
                            "--wait",
                            "--wait-timeout",
                            "60");
            assertEquals(0, deploy.exitCode(), deploy.output() + node.output());
            String container = cli(node, "ps", "-q", "--no-trunc", "dock").output().trim();
            assertTrue(!container.isEmpty() && !container.contains("\n"), container);

            // the remote shell has a terminal (docker exec with Tty), runs what is typed on the
            // local one, and its exit code comes back through the stream
            NodeProcess.Result tty =
                    onTerminal(
                            node,
                            "test -t 0 && echo docker-tty-$((6*7))\nexit 5\n",
                            "-i",
                            "-t",
                            container,
                            "--",
                            "/bin/sh");
            assertEquals(5, tty.exitCode(), tty.output());
            assertTrue(tty.output().contains("docker-tty-42"), tty.output());
            // without -t the same shell has no terminal: the test above could not pass by accident
            NodeProcess.Result plain =
                    onTerminal(
                            node,
                            "test -t 0 || echo no-tty-$((6*7))\nexit 4\n",
                            "-i",
                            container,
                            "--",
                            "/bin/sh");
            assertEquals(4, plain.exitCode(), plain.output());
            assertTrue(plain.output().contains("no-tty-42"), plain.output());

            NodeProcess.Result rm = cli(node, "rm", "dock");
            assertEquals(0, rm.exitCode(), rm.output());
            assertEquals(0, node.terminate(Duration.ofSeconds(30)), node.output());
        }
    }

    // the engine started for this module's integration tests, or a failed test saying why not
    private static Properties dockerd() throws IOException {
        String file = System.getProperty("dockerd.properties");
        if (file == null) {
            fail(
                    "dockerd.properties is not set: run through Maven, whose pre-integration-test phase"
                            + " starts dockerd");
        }
        Properties p = new Properties();
        try (var in = Files.newInputStream(Path.of(file))) {
            p.load(in);
        }
        if (p.getProperty("unavailable") != null) {
            fail("dockerd could not be started for the tests: " + p.getProperty("unavailable"));
        }
        return p;
    }
}
