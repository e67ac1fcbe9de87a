package ai.hanzo.node.rpc.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.compute.internal.DeploymentEngine;
import ai.hanzo.node.compute.internal.process.ProcessRuntime;
import ai.hanzo.node.proto.v1.ComposeSpec;
import ai.hanzo.node.proto.v1.DeployRequest;
import ai.hanzo.node.proto.v1.DeploymentOptions;
import ai.hanzo.node.proto.v1.GetLogsRequest;
import ai.hanzo.node.proto.v1.GetStatusRequest;
import ai.hanzo.node.proto.v1.LogEntry;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import ai.hanzo.node.proto.v1.RemoveRequest;
import ai.hanzo.node.proto.v1.ServiceSpec;
import ai.hanzo.node.storage.internal.ChronicleNodeStore;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GetLogs over a real channel on the real orchestrator and process runtime (real processes, the
 * real Chronicle store): bursts larger than the log's rotation size.
 */
class ProcessLogsRpcTest {
    // small logs, so a burst of a few tens of thousands of lines rotates them in one collection
    private static final long LOG_MAX_BYTES = 64 * 1024;
    private static final int BURST = 8_000;

    @TempDir Path data;
    private ServerHarness harness;
    private ChronicleNodeStore store;
    private ProcessRuntime runtime;
    private DeploymentEngine engine;
    private NodeServiceGrpc.NodeServiceBlockingStub operator;
    private NodeServiceGrpc.NodeServiceStub operatorAsync;

    @BeforeEach
    void start() throws Exception {
        harness = new ServerHarness(data.resolve("node"), Map.of("shutdownGraceSeconds", 0));
        store = ChronicleNodeStore.open(data.resolve("store"));
        runtime =
                new ProcessRuntime(
                        data.resolve("process"),
                        harness.node.scheduler,
                        Clock.systemUTC(),
                        new ProcessRuntime.Settings(
                                Duration.ofMillis(50),
                                Duration.ofMillis(200),
                                LOG_MAX_BYTES,
                                // enough kept files that no burst outgrows them, however the
                                // collection rounds split it: retention is not what is tested
                                10,
                                Path.of("/sys/fs/cgroup")));
        engine =
                new DeploymentEngine(
                        store,
                        harness.node.scheduler,
                        e -> {},
                        () -> false,
                        Clock.systemUTC(),
                        new DeploymentEngine.Settings(
                                100,
                                Duration.ofSeconds(5),
                                Duration.ofSeconds(30),
                                Duration.ofSeconds(30)));
        engine.addRuntime(runtime);
        await().atMost(Duration.ofSeconds(10))
                .until(
                        () ->
                                engine.runtimes().stream()
                                        .allMatch(r -> r.availability().available()));
        harness.server.setOrchestrator(engine);
        operator = harness.as(NodeServiceGrpc.newBlockingStub(harness.channel()), Role.OPERATOR);
        operatorAsync = harness.as(NodeServiceGrpc.newStub(harness.channel()), Role.OPERATOR);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            operator.remove(RemoveRequest.newBuilder().setDeploymentId("burst").build());
        } catch (RuntimeException e) {
            // not deployed (a failed start)
        }
        harness.close();
        engine.close();
        runtime.close();
        store.close();
    }

    private void deploy(String id, String script) {
        assertTrue(
                operator.deploy(
                                DeployRequest.newBuilder()
                                        .setDeploymentId(id)
                                        .setSpec(
                                                ComposeSpec.newBuilder()
                                                        .putServices(
                                                                "gen",
                                                                ServiceSpec.newBuilder()
                                                                        .addEntrypoint("/bin/sh")
                                                                        .addEntrypoint("-c")
                                                                        .addEntrypoint(script)
                                                                        .setRestart("no")
                                                                        .build()))
                                        .setOptions(
                                                DeploymentOptions.newBuilder()
                                                        .putLabels("hanzo.runtime", "process"))
                                        .build())
                        .getSuccess());
        await().atMost(Duration.ofSeconds(20))
                .until(
                        () ->
                                operator
                                        .getStatus(GetStatusRequest.getDefaultInstance())
                                        .getDeploymentsList()
                                        .stream()
                                        .anyMatch(
                                                d ->
                                                        d.getDeploymentId().equals(id)
                                                                && d.getStatus()
                                                                        .equals("running")));
    }

    @Test
    void followDeliversEveryLineOfBurstsThatRotateTheLogBeforeTheFollowerReads() throws Exception {
        // two bursts, each several times the rotation size: the first rotates a log the
        // follower has not seen yet, the second one it has read to the end; the follow is open
        // before the first line (the service waits on a file the test creates)
        Path go = data.resolve("go");
        deploy(
                "burst",
                "while [ ! -e "
                        + go
                        + " ]; do sleep 0.05; done; seq 1 "
                        + BURST
                        + "; while [ ! -e "
                        + go
                        + "2 ]; do sleep 0.05; done; seq "
                        + (BURST + 1)
                        + " "
                        + (2 * BURST)
                        + "; exec sleep 600");
        List<String> received = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Context.CancellableContext call = Context.current().withCancellation();
        call.run(
                () ->
                        operatorAsync.getLogs(
                                GetLogsRequest.newBuilder()
                                        .setDeploymentId("burst")
                                        .setFollow(true)
                                        .build(),
                                new StreamObserver<>() {
                                    @Override
                                    public void onNext(LogEntry entry) {
                                        received.add(entry.getMessage());
                                    }

                                    @Override
                                    public void onError(Throwable t) {
                                        failed.set(t);
                                    }

                                    @Override
                                    public void onCompleted() {
                                        failed.set(new AssertionError("the follow ended"));
                                    }
                                }));
        try {
            java.nio.file.Files.createFile(go);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> received.size() >= BURST || failed.get() != null);
            java.nio.file.Files.createFile(Path.of(go + "2"));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> received.size() >= 2 * BURST || failed.get() != null);
            assertNull(failed.get());
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= 2 * BURST; i++) {
                expected.add(Integer.toString(i));
            }
            assertEquals(expected, received, "every line once, in order");
            // the log did rotate under the follower, which is what the test is about
            assertTrue(
                    java.nio.file.Files.list(data.resolve("process"))
                            .anyMatch(
                                    c -> java.nio.file.Files.exists(c.resolve("container.log.1"))),
                    "the log was rotated");
        } finally {
            call.cancel(null);
        }
    }

    /** A follow of the deployment "burst" that records each message as it comes. */
    private static final class Follow implements StreamObserver<LogEntry> {
        final List<LogEntry> messages = new CopyOnWriteArrayList<>();
        final java.util.concurrent.atomic.AtomicInteger lines =
                new java.util.concurrent.atomic.AtomicInteger();
        final AtomicReference<Throwable> failed = new AtomicReference<>();

        @Override
        public void onNext(LogEntry entry) {
            messages.add(entry);
            lines.addAndGet(1 + entry.getMoreCount());
        }

        @Override
        public void onError(Throwable t) {
            failed.set(t);
        }

        @Override
        public void onCompleted() {
            failed.set(new AssertionError("the follow ended"));
        }

        List<String> flattened() {
            List<String> all = new ArrayList<>();
            for (LogEntry message : messages) {
                all.add(message.getMessage());
                for (LogEntry more : message.getMoreList()) {
                    assertEquals(0, more.getMoreCount(), "a line in 'more' has no 'more' itself");
                    assertEquals("gen", more.getService());
                    all.add(more.getMessage());
                }
            }
            return all;
        }
    }

    @Test
    void aBatchedFollowGetsEveryLineInOrderAndAnOldStyleOneALinePerMessage() throws Exception {
        // two follows of the same fast producer at once: one as the Rust node's clients ask (one
        // LogEntry per message), one asking for up to 256 lines per message; then a single line,
        // after which the service writes nothing more: the batched follow must not hold it back
        Path go = data.resolve("go");
        Path single = data.resolve("single");
        deploy(
                "burst",
                "while [ ! -e "
                        + go
                        + " ]; do sleep 0.05; done; seq 1 "
                        + (2 * BURST)
                        + "; while [ ! -e "
                        + single
                        + " ]; do sleep 0.05; done; echo single; exec sleep 600");
        Follow oldStyle = new Follow();
        Follow batched = new Follow();
        Context.CancellableContext call = Context.current().withCancellation();
        call.run(
                () -> {
                    GetLogsRequest request =
                            GetLogsRequest.newBuilder()
                                    .setDeploymentId("burst")
                                    .setFollow(true)
                                    .build();
                    operatorAsync.getLogs(request, oldStyle);
                    operatorAsync.getLogs(
                            request.toBuilder().setMaxLinesPerMessage(256).build(), batched);
                });
        try {
            java.nio.file.Files.createFile(go);
            await().atMost(Duration.ofSeconds(30))
                    .until(
                            () ->
                                    (oldStyle.lines.get() >= 2 * BURST
                                                    && batched.lines.get() >= 2 * BURST)
                                            || oldStyle.failed.get() != null
                                            || batched.failed.get() != null);
            assertNull(oldStyle.failed.get());
            assertNull(batched.failed.get());
            List<String> expected = new ArrayList<>();
            for (int i = 1; i <= 2 * BURST; i++) {
                expected.add(Integer.toString(i));
            }
            assertEquals(expected, oldStyle.flattened(), "old style: every line once, in order");
            assertEquals(expected, batched.flattened(), "batched: every line once, in order");
            assertTrue(
                    oldStyle.messages.stream().allMatch(m -> m.getMoreCount() == 0),
                    "a request without max_lines_per_message gets one LogEntry per message");
            assertEquals(2 * BURST, oldStyle.messages.size());
            assertTrue(
                    batched.messages.stream().allMatch(m -> m.getMoreCount() < 256),
                    "no message over the 256 lines asked for");
            assertTrue(
                    batched.messages.size() < 2 * BURST,
                    "the batched follow got "
                            + batched.messages.size()
                            + " messages for "
                            + 2 * BURST
                            + " lines of a burst: the lines were not batched");

            // one line alone: it arrives although no other line follows to fill a batch
            java.nio.file.Files.createFile(single);
            await().atMost(Duration.ofSeconds(10))
                    .until(
                            () ->
                                    batched.lines.get() > 2 * BURST
                                            && oldStyle.lines.get() > 2 * BURST);
            LogEntry last = batched.messages.get(batched.messages.size() - 1);
            assertEquals("single", last.getMessage());
            assertEquals(0, last.getMoreCount());
            assertEquals(2 * BURST + 1, batched.lines.get());
            assertEquals("single", oldStyle.messages.get(2 * BURST).getMessage());
        } finally {
            call.cancel(null);
        }
    }
}
