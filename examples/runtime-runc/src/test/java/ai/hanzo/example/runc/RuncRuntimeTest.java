package ai.hanzo.example.runc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.ErrorCode;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.runtime.ContainerEvent;
import ai.hanzo.node.api.runtime.ContainerEventType;
import ai.hanzo.node.api.runtime.ContainerSpec;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.api.runtime.ContainerStats;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.runtime.ExecOutput;
import ai.hanzo.node.api.runtime.ExecSession;
import ai.hanzo.node.api.runtime.ExecSpec;
import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.LogOptions;
import ai.hanzo.node.api.runtime.LogStream;
import ai.hanzo.node.api.runtime.PortMapping;
import ai.hanzo.node.api.runtime.StreamSink;
import ai.hanzo.node.api.runtime.VolumeMount;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runc runtime against the real runc and busybox-static (installed by the build when missing):
 * containers with cgroup limits run, log, exec with exit codes, stop, start again, are re-adopted
 * by a new instance, and are removed; bad specs are refused with the reason.
 */
class RuncRuntimeTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Map<String, String> LABELS =
            Map.of("hanzo.deployment", "d1", "hanzo.service", "web", "hanzo.replica", "0");

    @TempDir Path home;
    private TestScheduler scheduler;
    private RuncRuntime runtime;
    private final List<String> created = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        scheduler = new TestScheduler();
        runtime = new RuncRuntime(home, "runc", Path.of("/bin/busybox"), scheduler);
        // fails with runc's reason (not installed, not root) instead of skipping
        assertEquals("", runtime.selfTest().reason());
        assertTrue(runtime.selfTest().available());
    }

    @AfterEach
    void stop() {
        for (String id : created) {
            try {
                runtime.remove(id, true);
            } catch (NodeException e) {
                // removed by the test
            }
        }
        runtime.close();
        scheduler.close();
    }

    private static ContainerSpec spec(List<String> command, Map<String, String> env) {
        return new ContainerSpec(
                "c-" + System.nanoTime(),
                "busybox:local",
                List.of(),
                command,
                env,
                "",
                "",
                "",
                List.of(),
                List.of(),
                List.of(),
                LABELS,
                OptionalDouble.of(0.5),
                OptionalLong.of(64L << 20),
                OptionalLong.of(32),
                List.of(),
                Optional.empty());
    }

    private String create(ContainerSpec spec) {
        String id = runtime.create(spec);
        created.add(id);
        return id;
    }

    @Test
    void runsLogsExecsStopsRestartsAndRemovesAContainerWithLimits() throws Exception {
        List<ContainerEvent> events = new CopyOnWriteArrayList<>();
        Subscription watch = runtime.watch(Map.of("hanzo.deployment", "d1"), sink(events));
        String id =
                create(
                        spec(
                                List.of(
                                        "sh",
                                        "-c",
                                        "trap 'echo bye; exit 0' TERM; echo hello $GREETING; echo oops >&2;"
                                                + " sleep 600 & wait"),
                                Map.of("GREETING", "from-runc")));
        assertEquals(ContainerState.CREATED, runtime.inspect(id).state());
        runtime.start(id);
        ContainerStatus running = runtime.inspect(id);
        assertEquals(ContainerState.RUNNING, running.state());
        assertEquals(LABELS, running.labels());
        assertEquals(List.of(running), runtime.list(Map.of("hanzo.service", "web")));
        assertEquals(List.of(), runtime.list(Map.of("hanzo.service", "db")));

        await().atMost(WAIT).until(() -> logs(id).size() == 2);
        List<LogLine> lines = logs(id);
        assertEquals(
                List.of("STDOUT hello from-runc", "STDERR oops"),
                lines.stream().map(l -> l.stream() + " " + l.message()).toList());

        // limits are runc's cgroups: the container sees its own memory and pids limits
        Exec limits =
                exec(
                        id,
                        "sh",
                        "-c",
                        "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max");
        assertEquals(0, limits.code());
        assertEquals(
                List.of(Long.toString(64L << 20), "32"),
                List.of(limits.stdout().strip().split("\\s+")));
        Exec failing = exec(id, "sh", "-c", "echo to-err >&2; exit 7");
        assertEquals(7, failing.code());
        assertEquals("to-err\n", failing.stderr());

        ContainerStats stats = runtime.stats(id);
        assertEquals(64L << 20, stats.memoryLimitBytes());
        assertTrue(stats.memoryBytes() > 0, "memory in use: " + stats);

        // the stop signal reaches the container's shell, whose trap ends it with 0
        runtime.stop(id, Duration.ofSeconds(20));
        ContainerStatus stopped = runtime.inspect(id);
        assertEquals(ContainerState.EXITED, stopped.state());
        assertEquals(Optional.of(0), stopped.exitCode());
        await().atMost(WAIT).until(() -> logs(id).size() == 3);
        assertEquals("bye", logs(id).get(2).message());

        runtime.start(id);
        assertEquals(1, runtime.inspect(id).restartCount());
        await().atMost(WAIT).until(() -> logs(id).size() == 5);
        // no grace: SIGKILL, which runc reports as 128 + 9
        runtime.stop(id, Duration.ZERO);
        assertEquals(Optional.of(137), runtime.inspect(id).exitCode());

        runtime.remove(id, true);
        assertThrows(NodeException.class, () -> runtime.inspect(id));
        assertTrue(Files.notExists(home.resolve("containers").resolve(id)));
        await().atMost(WAIT)
                .until(
                        () -> events.stream().map(ContainerEvent::type).toList(),
                        types ->
                                types.equals(
                                        List.of(
                                                ContainerEventType.CREATED,
                                                ContainerEventType.STARTED,
                                                ContainerEventType.DIED,
                                                ContainerEventType.STARTED,
                                                ContainerEventType.DIED,
                                                ContainerEventType.REMOVED)));
        assertEquals(Optional.of(0), events.get(2).exitCode());
        assertEquals(Optional.of(137), events.get(4).exitCode());
        watch.close();
    }

    @Test
    void aContainerThatEndsReportsItsExitCodeAndFollowedLogsComplete() throws Exception {
        String id = create(spec(List.of("sh", "-c", "echo one; echo two; exit 3"), Map.of()));
        runtime.start(id);
        await().atMost(WAIT).until(() -> runtime.inspect(id).state() == ContainerState.EXITED);
        assertEquals(Optional.of(3), runtime.inspect(id).exitCode());
        List<LogLine> followed = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        runtime.logs(id, new LogOptions(0, true, Optional.empty()), collect(followed, done));
        done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(List.of("one", "two"), followed.stream().map(LogLine::message).toList());
    }

    @Test
    void aNewInstanceReadoptsARunningContainerWithItsLabels() throws Exception {
        String id = create(spec(List.of("sleep", "600"), Map.of()));
        runtime.start(id);
        runtime.close();
        runtime = new RuncRuntime(home, "runc", Path.of("/bin/busybox"), scheduler);
        ContainerStatus adopted = runtime.inspect(id);
        assertEquals(ContainerState.RUNNING, adopted.state());
        assertEquals(LABELS, adopted.labels());
        assertEquals(0, exec(id, "true").code());
        runtime.stop(id, Duration.ofSeconds(5));
        // the new instance is not runc's parent: the exit code is unknown, the exit is not
        assertEquals(ContainerState.EXITED, runtime.inspect(id).state());
        assertEquals(Optional.empty(), runtime.inspect(id).exitCode());
    }

    @Test
    void badSpecsAreRefusedWithTheReasonAndLeaveNothing() throws Exception {
        ContainerSpec good = spec(List.of("true"), Map.of());
        NodeException ports =
                assertThrows(
                        NodeException.class,
                        () ->
                                runtime.create(
                                        withPorts(
                                                good,
                                                List.of(
                                                        new PortMapping(
                                                                "127.0.0.1", 8080, 80, "tcp")))));
        assertEquals(ErrorCode.INVALID_ARGUMENT, ports.code());
        assertTrue(ports.getMessage().contains("publishes no ports"), ports.getMessage());
        NodeException image =
                assertThrows(NodeException.class, () -> runtime.create(withImage(good, "nginx:1")));
        assertEquals(ErrorCode.INVALID_ARGUMENT, image.code());
        assertTrue(image.getMessage().contains("nginx:1"), image.getMessage());
        NodeException volume =
                assertThrows(
                        NodeException.class,
                        () ->
                                runtime.create(
                                        withMounts(
                                                good,
                                                List.of(new VolumeMount("../etc", "/x", false)))));
        assertEquals(ErrorCode.INVALID_ARGUMENT, volume.code());
        try (var left = Files.list(home.resolve("containers"))) {
            assertEquals(0, left.count(), "no container directory left behind");
        }
        NodeException missing = assertThrows(NodeException.class, () -> runtime.start("runc-nope"));
        assertEquals(ErrorCode.NOT_FOUND, missing.code());
        // a command that does not exist: runc's own error, not a silent exit
        String id = create(spec(List.of("/no/such/binary"), Map.of()));
        NodeException failed = assertThrows(NodeException.class, () -> runtime.start(id));
        assertEquals(ErrorCode.FAILED_PRECONDITION, failed.code());
        assertTrue(failed.getMessage().contains("/no/such/binary"), failed.getMessage());
    }

    @Test
    void namedVolumesKeepDataAcrossContainers() throws Exception {
        ContainerSpec writer =
                withMounts(
                        spec(List.of("sh", "-c", "echo kept > /data/file"), Map.of()),
                        List.of(new VolumeMount("store", "/data", false)));
        String first = create(writer);
        runtime.start(first);
        await().atMost(WAIT).until(() -> runtime.inspect(first).state() == ContainerState.EXITED);
        assertEquals(Optional.of(0), runtime.inspect(first).exitCode());
        String reader =
                create(
                        withMounts(
                                spec(List.of("cat", "/data/file"), Map.of()),
                                List.of(new VolumeMount("store", "/data", true))));
        runtime.start(reader);
        await().atMost(WAIT).until(() -> runtime.inspect(reader).state() == ContainerState.EXITED);
        await().atMost(WAIT).until(() -> logs(reader).size() == 1);
        assertEquals("kept", logs(reader).get(0).message());
    }

    private static ContainerSpec withPorts(ContainerSpec s, List<PortMapping> ports) {
        return new ContainerSpec(
                s.name(),
                s.image(),
                s.entrypoint(),
                s.command(),
                s.environment(),
                s.workingDir(),
                s.user(),
                s.stopSignal(),
                ports,
                s.mounts(),
                s.networks(),
                s.labels(),
                s.cpuLimit(),
                s.memoryLimitBytes(),
                s.pidsLimit(),
                s.devices(),
                s.healthcheck());
    }

    private static ContainerSpec withImage(ContainerSpec s, String image) {
        return new ContainerSpec(
                s.name(),
                image,
                s.entrypoint(),
                s.command(),
                s.environment(),
                s.workingDir(),
                s.user(),
                s.stopSignal(),
                s.ports(),
                s.mounts(),
                s.networks(),
                s.labels(),
                s.cpuLimit(),
                s.memoryLimitBytes(),
                s.pidsLimit(),
                s.devices(),
                s.healthcheck());
    }

    private static ContainerSpec withMounts(ContainerSpec s, List<VolumeMount> mounts) {
        return new ContainerSpec(
                s.name(),
                s.image(),
                s.entrypoint(),
                s.command(),
                s.environment(),
                s.workingDir(),
                s.user(),
                s.stopSignal(),
                s.ports(),
                mounts,
                s.networks(),
                s.labels(),
                s.cpuLimit(),
                s.memoryLimitBytes(),
                s.pidsLimit(),
                s.devices(),
                s.healthcheck());
    }

    private List<LogLine> logs(String id) throws Exception {
        List<LogLine> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        runtime.logs(id, new LogOptions(0, false, Optional.empty()), collect(lines, done));
        done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return lines;
    }

    private record Exec(int code, String stdout, String stderr) {}

    private Exec exec(String id, String... command) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Void> done = new CompletableFuture<>();
        ExecSession session =
                runtime.exec(
                        id,
                        ExecSpec.of(List.of(command)),
                        new StreamSink<ExecOutput>() {
                            @Override
                            public void next(ExecOutput item) {
                                synchronized (out) {
                                    (item.stream() == LogStream.STDOUT ? out : err)
                                            .writeBytes(item.data());
                                }
                            }

                            @Override
                            public void complete() {
                                done.complete(null);
                            }

                            @Override
                            public void error(Throwable failure) {
                                done.completeExceptionally(failure);
                            }
                        });
        done.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        int code = session.exitCode().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        synchronized (out) {
            return new Exec(
                    code,
                    out.toString(StandardCharsets.UTF_8),
                    err.toString(StandardCharsets.UTF_8));
        }
    }

    private static <T> StreamSink<T> sink(List<T> items) {
        return collect(items, new CompletableFuture<>());
    }

    private static <T> StreamSink<T> collect(List<T> items, CompletableFuture<Void> done) {
        return new StreamSink<>() {
            @Override
            public void next(T item) {
                items.add(item);
            }

            @Override
            public void complete() {
                done.complete(null);
            }

            @Override
            public void error(Throwable failure) {
                done.completeExceptionally(failure);
            }
        };
    }
}
