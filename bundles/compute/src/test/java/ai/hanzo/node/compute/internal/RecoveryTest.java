package ai.hanzo.node.compute.internal;

import static ai.hanzo.node.compute.internal.Fixtures.alive;
import static ai.hanzo.node.compute.internal.Fixtures.request;
import static ai.hanzo.node.compute.internal.Fixtures.runningPids;
import static ai.hanzo.node.compute.internal.Fixtures.sleeper;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.compute.DeploymentState;
import ai.hanzo.node.api.compute.LogQuery;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.runtime.LogLine;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new node over the same data directory re-adopts what the old one ran: no loss, no duplicate.
 */
class RecoveryTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir Path dir;

    private static List<Long> pids(ComputeNode node) {
        return runningPids(node.runtime.list(Map.of(DeploymentEngine.LABEL_MANAGED, "true")));
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void killNineOfTheNodeLosesNothingAndDuplicatesNothing() throws Exception {
        Process crashing = fork(dir, 3, 3);
        try (BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(crashing.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            assertEquals("running", line, "the forked node did not get its deployments running");
            crashing.toHandle().destroyForcibly(); // SIGKILL: no shutdown hook, no close
            assertTrue(crashing.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(137, crashing.exitValue());
        List<Long> before = new ArrayList<>();
        // the processes outlived the node: read their pids from the runtime's own files
        try (Stream<Path> s = Files.list(dir.resolve("compute/process"))) {
            for (Path c : s.toList()) {
                Properties p = new Properties();
                try (var in = Files.newInputStream(c.resolve("state.properties"))) {
                    p.load(in);
                }
                before.add(Long.parseLong(p.getProperty("pid")));
            }
        }
        assertEquals(9, before.size());
        before.forEach(p -> assertTrue(alive(p), "pid " + p + " outlived the node"));

        try (ComputeNode node = new ComputeNode(dir)) {
            try {
                await().atMost(WAIT)
                        .until(
                                () ->
                                        node.engine.statuses().size() == 3
                                                && node.engine.statuses().stream()
                                                        .allMatch(
                                                                s ->
                                                                        s.state()
                                                                                        == DeploymentState
                                                                                                .RUNNING
                                                                                && s.readyReplicas()
                                                                                        == 3));
                assertEquals(
                        before.stream().sorted().toList(),
                        pids(node),
                        "the same processes, re-adopted");
                assertEquals(9, node.runtime.list(Map.of()).size(), "no duplicate replica");

                // a re-adopted process is still watched: killing it gets it replaced
                long victim = before.get(0);
                ProcessHandle.of(victim).orElseThrow().destroyForcibly();
                await().atMost(WAIT)
                        .until(() -> pids(node).size() == 9 && !pids(node).contains(victim));
                assertEquals(9, node.runtime.list(Map.of()).size());
            } finally {
                node.engine.close();
                node.killAll();
            }
        }
    }

    @Test
    void aRestartedNodeReadoptsItsProcessesAndTheirLogs() throws Exception {
        List<Long> pids;
        try (ComputeNode first = new ComputeNode(dir)) {
            first.engine.deploy(
                    request(
                            "keep",
                            Map.of(
                                    "web",
                                    Fixtures.shell("echo before; exec sleep 1000")
                                            .replicas(2)
                                            .build())));
            await().atMost(WAIT)
                    .until(() -> first.engine.status("keep").orElseThrow().readyReplicas() == 2);
            pids = pids(first);
            await().atMost(WAIT).until(() -> logs(first).size() == 2);
        }
        pids.forEach(
                p -> assertTrue(alive(p), "a clean stop of the node leaves the processes running"));
        try (ComputeNode second = new ComputeNode(dir)) {
            try {
                await().atMost(WAIT)
                        .until(
                                () ->
                                        second.engine.status("keep").orElseThrow().readyReplicas()
                                                == 2);
                assertEquals(pids, pids(second));
                assertEquals(2, second.runtime.list(Map.of()).size());
                assertEquals(
                        List.of("before", "before"),
                        logs(second).stream().map(LogLine::message).toList());
            } finally {
                second.engine.close();
                second.killAll();
            }
        }
    }

    @Test
    void aRecycledPidIsNeverTakenForTheContainer() throws Exception {
        String id;
        try (ComputeNode first = new ComputeNode(dir)) {
            first.engine.deploy(request("pid", Map.of("web", sleeper(1).restart("no").build())));
            await().atMost(WAIT)
                    .until(() -> first.engine.status("pid").orElseThrow().readyReplicas() == 1);
            ContainerStatus c = first.runtime.list(Map.of()).get(0);
            id = c.id();
            first.engine.close();
            first.runtime.stop(id, Duration.ZERO);
        }
        // pretend the process was still running when the node died, and that its pid now names
        // another live process (this test JVM) with another start time
        Path state = dir.resolve("compute/process").resolve(id).resolve("state.properties");
        Properties p = new Properties();
        try (var in = Files.newInputStream(state)) {
            p.load(in);
        }
        p.setProperty("state", "RUNNING");
        p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
        p.setProperty("startTicks", "1");
        try (var out = Files.newOutputStream(state)) {
            p.store(out, null);
        }
        try (ComputeNode second = new ComputeNode(dir)) {
            ContainerStatus c = second.runtime.inspect(id);
            assertEquals(ContainerState.EXITED, c.state());
            assertEquals(Optional.empty(), c.exitCode());
            assertTrue(ProcessHandle.current().isAlive());
            second.engine.close();
            second.killAll();
        }
    }

    /**
     * {@code on-failure:3} counts the restarts made before the node restarted: the job fails twice,
     * runs, dies while the node is down, and the new node restarts it once more only.
     */
    @Test
    void onFailureKeepsCountingAcrossARestartOfTheNode() throws Exception {
        Path work = Files.createDirectories(dir.resolve("job"));
        // runs 1 and 2 fail, run 3 stays up, every later run fails
        String script =
                "n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs;"
                        + " if [ $n -eq 3 ]; then exec sleep 1000; fi; exit 3";
        long pid;
        try (ComputeNode first = new ComputeNode(dir)) {
            first.engine.deploy(
                    request(
                            "job",
                            Map.of(
                                    "job",
                                    Fixtures.shell(script)
                                            .workingDir(work.toString())
                                            .restart("on-failure:3")
                                            .build())));
            await().atMost(WAIT)
                    .until(
                            () -> {
                                var st = first.engine.status("job").orElseThrow();
                                return st.state() == DeploymentState.RUNNING
                                        && st.services().get("job").restarts() == 2
                                        // run 3 counted itself (else a kill before its echo
                                        // would make the next run the long one)
                                        && runs(work).equals("3");
                            });
            assertEquals(2, first.store.containersOf("job").get(0).restarts(), "in the store");
            pid = pids(first).get(0);
        }
        // the process dies while no node watches it
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        await().atMost(WAIT).until(() -> !alive(pid));

        try (ComputeNode second = new ComputeNode(dir)) {
            try {
                await().atMost(WAIT)
                        .until(
                                () ->
                                        second.engine.status("job").orElseThrow().state()
                                                == DeploymentState.FAILED);
                String message = second.engine.status("job").orElseThrow().message();
                assertTrue(message.contains("after 3 restart(s)"), message);
                assertEquals(
                        "4",
                        Files.readString(work.resolve("runs")).trim(),
                        "one more run after the node restarted, not three");
                assertEquals(3, second.store.containersOf("job").get(0).restarts());
                assertEquals(
                        3,
                        second.engine.status("job").orElseThrow().services().get("job").restarts());
            } finally {
                second.engine.close();
                second.killAll();
            }
        }
    }

    private static String runs(Path work) {
        try {
            return Files.readString(work.resolve("runs")).trim();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static List<LogLine> logs(ComputeNode node) throws Exception {
        LogsAndExecTest.Collector<LogLine> c = new LogsAndExecTest.Collector<>();
        node.engine.logs(new LogQuery("keep", "", 0, false, Optional.empty()), c);
        c.end.get(10, TimeUnit.SECONDS);
        return c.items;
    }

    static Process fork(Path dir, int deployments, int replicas) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path home = Files.createDirectories(dir.resolve("home"));
        List<String> command =
                List.of(
                        java,
                        "-Xmx256m",
                        "-Dchronicle.analytics.disable=true",
                        "-Duser.home=" + home,
                        "-Djna.tmpdir=" + dir.resolve("jna-tmp"),
                        "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                        "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
                        "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
                        "--add-opens=java.base/java.lang=ALL-UNNAMED",
                        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        CrashNode.class.getName(),
                        dir.toString(),
                        Integer.toString(deployments),
                        Integer.toString(replicas));
        return new ProcessBuilder(command).redirectError(dir.resolve("node.err").toFile()).start();
    }
}
