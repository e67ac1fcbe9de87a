package ai.hanzo.node.compute.internal;

import static ai.hanzo.node.compute.internal.Fixtures.request;
import static ai.hanzo.node.compute.internal.Fixtures.shell;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.compute.DeploymentState;
import ai.hanzo.node.api.compute.LogQuery;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.runtime.ExecOutput;
import ai.hanzo.node.api.runtime.ExecSession;
import ai.hanzo.node.api.runtime.ExecSpec;
import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.LogStream;
import ai.hanzo.node.api.runtime.StreamSink;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Logs (tail, follow, back-pressure) and exec through the orchestrator on the process runtime. */
class LogsAndExecTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir Path dir;
    private ComputeNode node;

    @BeforeEach
    void open() {
        node = new ComputeNode(dir);
    }

    @AfterEach
    void close() {
        node.engine.close();
        node.killAll();
        node.close();
    }

    /** Collects a stream; its blocking in next() can be switched on to test back-pressure. */
    static final class Collector<T> implements StreamSink<T> {
        final List<T> items = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> end = new CompletableFuture<>();
        volatile CountDownLatch gate = new CountDownLatch(0);

        @Override
        public void next(T item) throws InterruptedException {
            gate.await();
            items.add(item);
        }

        @Override
        public void complete() {
            end.complete(null);
        }

        @Override
        public void error(Throwable failure) {
            end.completeExceptionally(failure);
        }
    }

    private void awaitRunning(String id) {
        await().atMost(WAIT)
                .until(
                        () ->
                                node.engine.status(id).orElseThrow().state()
                                        == DeploymentState.RUNNING);
    }

    @Test
    void logsTailAndFollowWithServiceNamesAndTimestamps() throws Exception {
        node.engine.deploy(
                request(
                        "talk",
                        Map.of(
                                "web",
                                shell(
                                                "i=0; while true; do echo line $i; echo oops $i >&2; i=$((i+1)); sleep 0.05; done")
                                        .build())));
        awaitRunning("talk");
        await().atMost(WAIT)
                .until(
                        () -> {
                            Collector<LogLine> c = new Collector<>();
                            node.engine.logs(
                                    new LogQuery("talk", "", 0, false, Optional.empty()), c);
                            c.end.get(10, TimeUnit.SECONDS);
                            return c.items.size() >= 10;
                        });

        Collector<LogLine> tail = new Collector<>();
        node.engine.logs(new LogQuery("talk", "web", 3, false, Optional.empty()), tail);
        tail.end.get(10, TimeUnit.SECONDS);
        assertEquals(3, tail.items.size(), "tail 3: " + tail.items);
        assertTrue(tail.items.stream().allMatch(l -> l.service().equals("web")));

        Collector<LogLine> follow = new Collector<>();
        Subscription s =
                node.engine.logs(new LogQuery("talk", "", 1, true, Optional.empty()), follow);
        await().atMost(WAIT).until(() -> follow.items.size() >= 20);
        assertTrue(
                follow.items.stream()
                        .anyMatch(
                                l ->
                                        l.stream() == LogStream.STDERR
                                                && l.message().startsWith("oops ")));
        List<LogLine> out =
                follow.items.stream().filter(l -> l.stream() == LogStream.STDOUT).toList();
        for (int i = 1; i < out.size(); i++) {
            int prev = Integer.parseInt(out.get(i - 1).message().substring(5));
            int cur = Integer.parseInt(out.get(i).message().substring(5));
            assertEquals(prev + 1, cur, "in order, none lost: " + out);
            assertTrue(!out.get(i).timestamp().isBefore(out.get(i - 1).timestamp()));
        }

        // a consumer that blocks holds its stream back; the process and other streams go on
        follow.gate = new CountDownLatch(1);
        int before = follow.items.size();
        Collector<LogLine> other = new Collector<>();
        Subscription s2 =
                node.engine.logs(new LogQuery("talk", "", 1, true, Optional.empty()), other);
        await().atMost(WAIT).until(() -> other.items.size() >= 10);
        assertEquals(before, follow.items.size(), "a blocked consumer gets nothing more meanwhile");
        follow.gate.countDown();
        await().atMost(WAIT).until(() -> follow.items.size() > before + 10);
        s.close();
        s2.close();
        assertTrue(!follow.end.isDone(), "a closed stream reports no end");
    }

    @Test
    void followSurvivesAProcessRestart() {
        node.engine.deploy(
                request("rs", Map.of("web", shell("echo started; sleep 0.3; exit 1").build())));
        Collector<LogLine> follow = new Collector<>();
        await().atMost(WAIT)
                .until(
                        () ->
                                !node.runtime
                                        .list(Map.of(DeploymentEngine.LABEL_DEPLOYMENT, "rs"))
                                        .isEmpty());
        Subscription s =
                node.engine.logs(new LogQuery("rs", "", 0, true, Optional.empty()), follow);
        await().atMost(WAIT)
                .until(
                        () ->
                                follow.items.stream()
                                                .filter(l -> l.message().equals("started"))
                                                .count()
                                        >= 3);
        s.close();
    }

    @Test
    void execRunsInTheServiceDirectoryWithItsEnvironmentAndReportsTheExitCode() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        node.engine.deploy(
                request(
                        "ex",
                        Map.of(
                                "web",
                                Fixtures.sleeper(1)
                                        .env("GREETING", "hello")
                                        .workingDir(work.toString())
                                        .build())));
        awaitRunning("ex");
        ContainerStatus c =
                node.engine
                        .containers(false, Map.of(DeploymentEngine.LABEL_DEPLOYMENT, "ex"))
                        .get(0);

        Collector<ExecOutput> out = new Collector<>();
        ExecSession session =
                node.engine.exec(
                        c.id(),
                        ExecSpec.of(
                                List.of("sh", "-c", "echo $GREETING; pwd; echo err >&2; exit 3")),
                        out);
        out.end.get(10, TimeUnit.SECONDS);
        assertEquals(3, session.exitCode().toCompletableFuture().get(1, TimeUnit.SECONDS));
        assertEquals("hello\n" + work + "\n", text(out, LogStream.STDOUT));
        assertEquals("err\n", text(out, LogStream.STDERR));
        assertThrows(FailedPreconditionException.class, () -> session.resize(80, 24));

        Collector<ExecOutput> cat = new Collector<>();
        ExecSession stdin =
                node.engine.exec(
                        c.id(),
                        new ExecSpec(List.of("cat"), Map.of(), "", "", true, false, 0, 0),
                        cat);
        stdin.writeStdin("abc\n".getBytes(StandardCharsets.UTF_8));
        stdin.writeStdin("def".getBytes(StandardCharsets.UTF_8));
        stdin.closeStdin();
        cat.end.get(10, TimeUnit.SECONDS);
        assertEquals(0, stdin.exitCode().toCompletableFuture().get(1, TimeUnit.SECONDS));
        assertEquals("abc\ndef", text(cat, LogStream.STDOUT));
    }

    @Test
    void execWithATtyRunsOnARealTerminalThatResizesAndReportsTheExitCode() throws Exception {
        node.engine.deploy(request("tty", Map.of("web", Fixtures.sleeper(1).build())));
        awaitRunning("tty");
        ContainerStatus c =
                node.engine
                        .containers(false, Map.of(DeploymentEngine.LABEL_DEPLOYMENT, "tty"))
                        .get(0);

        // says whether it is on a terminal and its size, again on SIGWINCH, then exits 5
        Collector<ExecOutput> out = new Collector<>();
        ExecSession session =
                node.engine.exec(
                        c.id(),
                        new ExecSpec(
                                List.of(
                                        "sh",
                                        "-c",
                                        "[ -t 0 ] && [ -t 1 ] && echo on-a-tty; stty size;"
                                                + " trap 'stty size; exit 5' WINCH; echo ready;"
                                                + " while :; do sleep 0.05; done"),
                                Map.of(),
                                "",
                                "",
                                true,
                                true,
                                100,
                                30),
                        out);
        await().atMost(WAIT).until(() -> text(out, LogStream.STDOUT).contains("ready"));
        String before = text(out, LogStream.STDOUT);
        assertTrue(before.contains("on-a-tty"), before);
        assertTrue(before.contains("30 100"), "the initial size: " + before);
        session.resize(120, 40);
        out.end.get(10, TimeUnit.SECONDS);
        assertEquals(5, session.exitCode().toCompletableFuture().get(1, TimeUnit.SECONDS));
        String after = text(out, LogStream.STDOUT);
        assertTrue(after.contains("40 120"), "the new size after SIGWINCH: " + after);
        assertEquals("", text(out, LogStream.STDERR), "a terminal has one output");

        // what is written to stdin is typed on the terminal
        Collector<ExecOutput> typed = new Collector<>();
        ExecSession reader =
                node.engine.exec(
                        c.id(),
                        new ExecSpec(
                                List.of("sh", "-c", "read line; echo \"got $line\"; exit 7"),
                                Map.of(),
                                "",
                                "",
                                true,
                                true,
                                0,
                                0),
                        typed);
        reader.writeStdin("hello\n".getBytes(StandardCharsets.UTF_8));
        typed.end.get(10, TimeUnit.SECONDS);
        assertEquals(7, reader.exitCode().toCompletableFuture().get(1, TimeUnit.SECONDS));
        assertTrue(
                text(typed, LogStream.STDOUT).contains("got hello"), text(typed, LogStream.STDOUT));
        assertThrows(ai.hanzo.node.api.InvalidArgumentException.class, () -> reader.resize(0, 10));
    }

    private static String text(Collector<ExecOutput> out, LogStream stream) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (ExecOutput o : out.items) {
            if (o.stream() == stream) {
                b.writeBytes(o.data());
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }
}
