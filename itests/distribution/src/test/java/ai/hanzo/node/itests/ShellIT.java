package ai.hanzo.node.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code hanzo:*} Karaf shell commands in the real distribution: the node started with {@code
 * --console} reads commands on its standard input (Karaf's local console on a dumb terminal) and
 * answers from the node's own services.
 */
class ShellIT {
    private static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        home = NodeProcess.unpack("shell");
    }

    /** Types a command into the console and waits for what it must print; returns its output. */
    private static String console(NodeProcess node, String line, String expected)
            throws IOException {
        int from = node.output().length();
        OutputStream stdin = node.process().getOutputStream();
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> node.output().substring(from).contains(expected));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(
                    "'"
                            + line
                            + "' did not print '"
                            + expected
                            + "'; console:\n"
                            + node.output().substring(from),
                    e);
        }
        return node.output().substring(from);
    }

    @Test
    void hanzoCommandsReadAndChangeTheRunningNode() throws Exception {
        Path project = Files.createDirectories(home.resolve("project"));
        Path compose = project.resolve("compose.yml");
        Files.writeString(
                compose,
                "name: shelltest\n"
                        + "services:\n"
                        + "  greeter:\n"
                        + "    entrypoint: [\"/bin/sh\", \"-c\", \"echo hello-from-shell; exec sleep 600\"]\n"
                        + "    labels:\n"
                        + "      hanzo.runtime: process\n",
                StandardCharsets.UTF_8);
        Path bad = project.resolve("bad.yml");
        Files.writeString(
                bad,
                "services:\n  web:\n    image: nginx\n    build: .\n    secrets: [token]\n",
                StandardCharsets.UTF_8);
        try (NodeProcess node = NodeProcess.start(home, List.of("--console"))) {
            node.awaitServing(Duration.ofMinutes(3));
            // the commands bundle starts with the node; the console is there once it prompts
            console(node, "hanzo:plugins", "No plugins installed");

            String deployed =
                    console(
                            node,
                            "hanzo:deploy -f " + compose + " --id sh1",
                            "Deployed shelltest as sh1");
            assertFalse(deployed.contains("Error executing"), deployed);
            // the console's own status, until the replica is ready
            Pattern ready = Pattern.compile("sh1 +shelltest +running +1/1 +process");
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> ready.matcher(console(node, "hanzo:status", "DEPLOYMENT")).find());
            String status = console(node, "hanzo:status", "sh1 ");
            assertTrue(status.contains("Node:        READY (healthy)"), status);

            String ps = console(node, "hanzo:ps sh1", "sh1-greeter-0");
            assertTrue(
                    ps.lines().anyMatch(l -> l.contains("sh1-greeter-0") && l.contains("running")),
                    ps);

            console(node, "hanzo:logs sh1", "greeter | hello-from-shell");
            console(node, "hanzo:stake", "No chain configured");

            // bad input: one clear line each, and nothing deployed
            String missing =
                    console(node, "hanzo:deploy -f " + project.resolve("none.yml"), "not found");
            assertTrue(
                    missing.contains("compose file " + project.resolve("none.yml") + " not found"),
                    missing);
            String unsupported = console(node, "hanzo:deploy -f " + bad, "build");
            assertTrue(unsupported.contains("secrets"), unsupported);
            String unknown = console(node, "hanzo:logs nosuch", "not found");
            assertTrue(unknown.contains("deployment 'nosuch' not found"), unknown);
            assertFalse(
                    unknown.contains("at ai.hanzo.node"),
                    "no stack trace on the console: " + unknown);
            String after = console(node, "hanzo:status", "sh1 ");
            assertEquals(
                    1,
                    after.lines().filter(l -> l.matches("\\S+ +\\S+ +\\S+ +\\d+/\\d+.*")).count(),
                    "a refused compose file deploys nothing: " + after);
            assertTrue(node.terminate(Duration.ofSeconds(60)) == 0, node.output());
        }
    }
}
