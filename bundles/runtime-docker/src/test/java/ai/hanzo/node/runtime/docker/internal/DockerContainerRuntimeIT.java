package ai.hanzo.node.runtime.docker.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.ErrorCode;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.runtime.ContainerEvent;
import ai.hanzo.node.api.runtime.ContainerEventType;
import ai.hanzo.node.api.runtime.ContainerHealth;
import ai.hanzo.node.api.runtime.ContainerHealthcheck;
import ai.hanzo.node.api.runtime.ContainerSpec;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.api.runtime.ContainerStats;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.runtime.ExecOutput;
import ai.hanzo.node.api.runtime.ExecSession;
import ai.hanzo.node.api.runtime.ExecSpec;
import ai.hanzo.node.api.runtime.LimitKind;
import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.LogOptions;
import ai.hanzo.node.api.runtime.LogStream;
import ai.hanzo.node.api.runtime.PortMapping;
import ai.hanzo.node.api.runtime.PullProgress;
import ai.hanzo.node.api.runtime.VolumeMount;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker runtime against a real dockerd (Debian's docker.io, started by {@code
 * src/test/sh/dockerd.sh} with its own data root and socket) and a real registry on loopback.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DockerContainerRuntimeIT {
    private static Dockerd dockerd;
    private static DockerContainerRuntime runtime;
    // the test's own view of the engine, for setup and checks the runtime does not offer
    private static DockerClient engine;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final Map<String, String> labels = Map.of("hanzo.test", run);

    @BeforeAll
    static void engine() {
        dockerd = Dockerd.get();
        runtime = new DockerContainerRuntime(dockerd.settings("", 50));
        engine =
                DockerClientImpl.getInstance(
                        new DefaultDockerClientConfig.Builder()
                                .withDockerHost(dockerd.host)
                                .withDockerTlsVerify(false)
                                .build(),
                        new ApacheDockerHttpClient.Builder()
                                .dockerHost(URI.create(dockerd.host))
                                .build());
    }

    @AfterAll
    static void close() throws IOException {
        if (runtime != null) {
            runtime.close();
        }
        if (engine != null) {
            engine.close();
        }
    }

    @AfterEach
    void removeTestContainers() {
        if (runtime == null) {
            return;
        }
        for (ContainerStatus c : runtime.list(labels)) {
            runtime.remove(c.id(), true);
        }
    }

    private ContainerSpec spec(String suffix, List<String> command) {
        return spec(suffix, command, Map.of(), List.of(), OptionalLong.empty());
    }

    private ContainerSpec spec(
            String suffix,
            List<String> command,
            Map<String, String> env,
            List<PortMapping> ports,
            OptionalLong memory) {
        return new ContainerSpec(
                "hz-" + run + "-" + suffix,
                dockerd.image,
                List.of(),
                command,
                env,
                "",
                "",
                "",
                ports,
                List.of(),
                List.of(),
                labels,
                OptionalDouble.empty(),
                memory,
                OptionalLong.empty(),
                List.of(),
                Optional.empty());
    }

    private static final List<String> SLEEP = List.of("sleep", "600");

    @Test
    void createStartInspectStopRemoveKeepsLabels() {
        Map<String, String> extra = Map.of("hanzo.test", run, "hanzo.deployment", "d-1");
        ContainerSpec s = spec("life", SLEEP);
        s =
                new ContainerSpec(
                        s.name(),
                        s.image(),
                        s.entrypoint(),
                        s.command(),
                        s.environment(),
                        "/tmp",
                        "",
                        "SIGINT",
                        s.ports(),
                        s.mounts(),
                        s.networks(),
                        extra,
                        s.cpuLimit(),
                        s.memoryLimitBytes(),
                        s.pidsLimit(),
                        s.devices(),
                        s.healthcheck());
        String id = runtime.create(s);

        ContainerStatus created = runtime.inspect(id);
        assertEquals(ContainerState.CREATED, created.state());
        assertEquals(s.name(), created.name());
        assertEquals("docker", created.runtime());
        assertEquals("d-1", created.labels().get("hanzo.deployment"));
        assertTrue(created.startedAt().isEmpty());

        runtime.start(id);
        ContainerStatus running = runtime.inspect(id);
        assertEquals(ContainerState.RUNNING, running.state());
        assertTrue(running.startedAt().isPresent());
        assertTrue(running.ready(), "running without a healthcheck counts as ready");
        assertEquals(
                List.of(id),
                runtime.list(Map.of("hanzo.deployment", "d-1", "hanzo.test", run)).stream()
                        .map(ContainerStatus::id)
                        .toList());
        var engineView = engine.inspectContainerCmd(id).exec();
        assertEquals("/tmp", engineView.getConfig().getWorkingDir());

        runtime.stop(id, Duration.ofSeconds(1));
        ContainerStatus stopped = runtime.inspect(id);
        assertEquals(ContainerState.EXITED, stopped.state());
        assertTrue(stopped.exitCode().isPresent());
        assertTrue(stopped.finishedAt().isPresent());
        // stopping what is not running is harmless
        runtime.stop(id, Duration.ofSeconds(1));

        runtime.start(id);
        assertEquals(1, runtime.inspect(id).restartCount(), "a start after an exit counts");
        runtime.stop(id, Duration.ZERO);

        runtime.remove(id, false);
        NodeException gone = assertThrows(NodeException.class, () -> runtime.inspect(id));
        assertEquals(ErrorCode.NOT_FOUND, gone.code());
        assertTrue(gone.getMessage().contains(id), gone.getMessage());
    }

    @Test
    void removingARunningContainerNeedsForce() {
        String id = runtime.create(spec("force", SLEEP));
        runtime.start(id);
        NodeException e = assertThrows(NodeException.class, () -> runtime.remove(id, false));
        assertEquals(ErrorCode.FAILED_PRECONDITION, e.code());
        runtime.remove(id, true);
        assertTrue(runtime.list(labels).isEmpty());
    }

    @Test
    void portsArePublishedOnLoopbackAndReachable() throws Exception {
        String id =
                runtime.create(
                        spec(
                                "web",
                                List.of("httpd", "-f", "-p", "8080", "-h", "/etc"),
                                Map.of(),
                                List.of(new PortMapping("", 0, 8080, "tcp")),
                                OptionalLong.empty()));
        runtime.start(id);
        List<PortMapping> ports = runtime.inspect(id).ports();
        assertEquals(1, ports.size(), ports.toString());
        PortMapping p = ports.get(0);
        assertEquals("127.0.0.1", p.hostIp(), "published on loopback unless the spec names one");
        assertEquals(8080, p.containerPort());
        assertTrue(p.hostPort() > 0);
        String body =
                await().atMost(20, SECONDS)
                        .ignoreExceptions()
                        .until(
                                () -> httpGet(p.hostPort(), "/passwd"),
                                b -> b.contains("root:x:0:0"));
        assertTrue(body.startsWith("HTTP/1."), body);
    }

    private static String httpGet(int port, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream()
                    .write(
                            ("GET " + path + " HTTP/1.0\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void envAndLimitsReachTheContainer() throws Exception {
        long mem = 64L * 1024 * 1024;
        ContainerSpec base =
                spec(
                        "limits",
                        SLEEP,
                        Map.of("GREETING", "hello world"),
                        List.of(),
                        OptionalLong.of(mem));
        ContainerSpec s =
                new ContainerSpec(
                        base.name(),
                        base.image(),
                        base.entrypoint(),
                        base.command(),
                        base.environment(),
                        "",
                        "",
                        "",
                        base.ports(),
                        base.mounts(),
                        base.networks(),
                        base.labels(),
                        OptionalDouble.of(0.5),
                        base.memoryLimitBytes(),
                        OptionalLong.of(64),
                        base.devices(),
                        base.healthcheck());
        String id = runtime.create(s);
        runtime.start(id);
        var hostConfig = engine.inspectContainerCmd(id).exec().getHostConfig();
        assertEquals(mem, hostConfig.getMemory());
        assertEquals(500_000_000L, hostConfig.getNanoCPUs());
        assertEquals(64L, hostConfig.getPidsLimit());

        assertEquals(
                "hello world\n", execOut(id, List.of("sh", "-c", "echo \"$GREETING\"")).stdout);
        // the kernel enforces it: the container's memory cgroup carries the limit (v1 or v2)
        String limit =
                execOut(
                                id,
                                List.of(
                                        "sh",
                                        "-c",
                                        "cat /sys/fs/cgroup/memory/memory.limit_in_bytes"
                                                + " 2>/dev/null || cat /sys/fs/cgroup/memory.max"))
                        .stdout
                        .trim();
        assertEquals(Long.toString(mem), limit);
        assertTrue(
                runtime.unenforceableLimits().keySet().stream()
                        .noneMatch(k -> k != LimitKind.DEVICES),
                "this engine enforces memory, cpu and pids: " + runtime.unenforceableLimits());
    }

    @Test
    void volumesAreMounted(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("in.txt"), "from the host");
        ContainerSpec base = spec("vol", SLEEP);
        ContainerSpec s =
                new ContainerSpec(
                        base.name(),
                        base.image(),
                        base.entrypoint(),
                        base.command(),
                        base.environment(),
                        "",
                        "",
                        "",
                        base.ports(),
                        List.of(
                                new VolumeMount(dir.toString(), "/host", true),
                                new VolumeMount("hz-" + run + "-data", "/data", false)),
                        base.networks(),
                        base.labels(),
                        base.cpuLimit(),
                        base.memoryLimitBytes(),
                        base.pidsLimit(),
                        base.devices(),
                        base.healthcheck());
        String id = runtime.create(s);
        runtime.start(id);
        assertEquals("from the host", execOut(id, List.of("cat", "/host/in.txt")).stdout);
        Exec write = execOut(id, List.of("sh", "-c", "echo x > /host/new"));
        assertTrue(write.exitCode != 0, "a read-only bind mount refuses writes");
        assertEquals(0, execOut(id, List.of("sh", "-c", "echo x > /data/new")).exitCode);
        runtime.remove(id, true);
        engine.removeVolumeCmd("hz-" + run + "-data").exec();
    }

    @Test
    void logsFollowGetsNewLinesAndEndsWhenTheContainerStops() throws Exception {
        String id =
                runtime.create(
                        spec(
                                "logs",
                                List.of(
                                        "sh",
                                        "-c",
                                        "echo first; echo oops >&2; i=0; while true; do echo"
                                                + " tick $i; i=$((i+1)); sleep 0.1; done")));
        runtime.start(id);
        CollectingSink<LogLine> sink = new CollectingSink<>();
        Subscription follow = runtime.logs(id, new LogOptions(0, true, Optional.empty()), sink);
        await().atMost(20, SECONDS).until(() -> sink.items.size() >= 6);
        // stdout and stderr reach the engine through separate pipes: their order is not kept
        assertEquals(
                "first",
                sink.items.stream()
                        .filter(l -> l.stream() == LogStream.STDOUT)
                        .findFirst()
                        .orElseThrow()
                        .message());
        assertTrue(
                sink.items.stream()
                        .anyMatch(
                                l -> l.stream() == LogStream.STDERR && l.message().equals("oops")));
        assertTrue(sink.items.stream().allMatch(l -> l.containerId().equals(id)));
        assertTrue(sink.items.get(0).timestamp().isAfter(Instant.now().minusSeconds(60)));
        int before = sink.items.size();
        await().atMost(20, SECONDS).until(() -> sink.items.size() > before + 3);
        assertFalse(sink.isEnded());

        runtime.stop(id, Duration.ZERO);
        assertTrue(sink.ended.await(20, SECONDS), "the follow ends when the container stops");
        assertTrue(sink.completed, "ended normally: " + sink.error.get());
        follow.close();

        // without follow: the last lines, then the end
        CollectingSink<LogLine> tail = new CollectingSink<>();
        runtime.logs(id, new LogOptions(2, false, Optional.empty()), tail);
        assertTrue(tail.ended.await(20, SECONDS));
        assertEquals(2, tail.items.size(), tail.items.toString());
        assertTrue(tail.items.get(1).message().startsWith("tick "));
    }

    @Test
    void closedFollowsGiveTheirConnectionsBack() {
        // a pool of 4: one leaked connection per follow would block the 5th follow for ever
        try (DockerContainerRuntime small = new DockerContainerRuntime(dockerd.settings("", 4))) {
            String id =
                    runtime.create(
                            spec(
                                    "pool",
                                    List.of(
                                            "sh",
                                            "-c",
                                            "while true; do echo y; sleep 0.05; done")));
            runtime.start(id);
            assertTimeoutPreemptively(
                    Duration.ofSeconds(40),
                    () -> {
                        for (int i = 0; i < 30; i++) {
                            CollectingSink<LogLine> sink = new CollectingSink<>();
                            Subscription s =
                                    small.logs(id, new LogOptions(1, true, Optional.empty()), sink);
                            await().atMost(10, SECONDS).until(() -> !sink.items.isEmpty());
                            s.close();
                        }
                        // and a watch, closed the same way
                        for (int i = 0; i < 10; i++) {
                            small.watch(labels, new CollectingSink<>()).close();
                        }
                        CollectingSink<LogLine> last = new CollectingSink<>();
                        Subscription s =
                                small.logs(id, new LogOptions(1, true, Optional.empty()), last);
                        await().atMost(10, SECONDS).until(() -> !last.items.isEmpty());
                        s.close();
                    });
        }
    }

    @Test
    void stoppingTheRuntimeEndsItsOpenStreamsWithTheReason() throws Exception {
        String id = runtime.create(spec("stopping", SLEEP));
        runtime.start(id);
        CollectingSink<LogLine> follow = new CollectingSink<>();
        CollectingSink<ContainerEvent> watch = new CollectingSink<>();
        DockerContainerRuntime other = new DockerContainerRuntime(dockerd.settings("", 10));
        other.logs(id, new LogOptions(0, true, Optional.empty()), follow);
        other.watch(labels, watch);
        other.close();
        for (CollectingSink<?> sink : List.of(follow, watch)) {
            assertTrue(sink.ended.await(10, SECONDS));
            NodeException e = assertInstanceOf(NodeException.class, sink.error.get());
            assertEquals(ErrorCode.UNAVAILABLE, e.code());
            assertTrue(e.getMessage().contains("docker runtime was stopped"), e.getMessage());
        }
    }

    /** What an exec'd command wrote and its exit code. */
    record Exec(String stdout, String stderr, int exitCode) {}

    private Exec execOut(String id, List<String> command) throws Exception {
        CollectingSink<ExecOutput> out = new CollectingSink<>();
        ExecSession session = runtime.exec(id, ExecSpec.of(command), out);
        int code = session.exitCode().toCompletableFuture().get(30, SECONDS);
        assertTrue(out.ended.await(10, SECONDS));
        assertTrue(out.completed, "exec output ended with " + out.error.get());
        return new Exec(text(out, LogStream.STDOUT), text(out, LogStream.STDERR), code);
    }

    private static String text(CollectingSink<ExecOutput> out, LogStream stream) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (ExecOutput o : out.items) {
            if (o.stream() == stream) {
                b.writeBytes(o.data());
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void execReportsOutputAndExitCode() throws Exception {
        String id = runtime.create(spec("exec", SLEEP));
        runtime.start(id);
        Exec e = execOut(id, List.of("sh", "-c", "echo out; echo err >&2; exit 3"));
        assertEquals("out\n", e.stdout);
        assertEquals("err\n", e.stderr);
        assertEquals(3, e.exitCode);
        // many in a row: no connection is kept
        for (int i = 0; i < 20; i++) {
            assertEquals(i % 4, execOut(id, List.of("sh", "-c", "exit " + (i % 4))).exitCode);
        }
    }

    @Test
    void execStdinReachesTheCommandAndItsCloseEndsTheInput() throws Exception {
        String id = runtime.create(spec("stdin", SLEEP));
        runtime.start(id);
        CollectingSink<ExecOutput> out = new CollectingSink<>();
        ExecSession cat =
                runtime.exec(
                        id,
                        new ExecSpec(
                                List.of("sh", "-c", "cat; echo end:$FOO"),
                                Map.of("FOO", "bar"),
                                "",
                                "",
                                true,
                                false,
                                0,
                                0),
                        out);
        cat.writeStdin("hello\n".getBytes(StandardCharsets.UTF_8));
        await().atMost(10, SECONDS).until(() -> text(out, LogStream.STDOUT).equals("hello\n"));
        cat.writeStdin("second line\n".getBytes(StandardCharsets.UTF_8));
        // cat ends only when it sees the end of its input
        cat.closeStdin();
        assertEquals(0, cat.exitCode().toCompletableFuture().get(20, SECONDS));
        assertTrue(out.ended.await(10, SECONDS));
        assertEquals("hello\nsecond line\nend:bar\n", text(out, LogStream.STDOUT));
        NodeException late =
                assertThrows(NodeException.class, () -> cat.writeStdin(new byte[] {1}));
        assertEquals(ErrorCode.FAILED_PRECONDITION, late.code());

        ExecSession noStdin =
                runtime.exec(id, ExecSpec.of(List.of("true")), new CollectingSink<>());
        assertEquals(
                ErrorCode.FAILED_PRECONDITION,
                assertThrows(NodeException.class, () -> noStdin.writeStdin(new byte[] {1})).code());
        noStdin.close();
    }

    @Test
    void closingAnExecEndsItsCommand() throws Exception {
        String id = runtime.create(spec("kill", SLEEP));
        runtime.start(id);
        ExecSession s =
                runtime.exec(id, ExecSpec.of(List.of("sleep", "777")), new CollectingSink<>());
        await().atMost(10, SECONDS)
                .until(() -> execOut(id, List.of("ps")).stdout.contains("sleep 777"));
        s.close();
        await().atMost(10, SECONDS)
                .until(() -> !execOut(id, List.of("ps")).stdout.contains("sleep 777"));
        CompletableFuture<Integer> code = s.exitCode().toCompletableFuture();
        assertTrue(code.isCompletedExceptionally());
    }

    @Test
    void execInAStoppedOrMissingContainerSaysSo() {
        String id = runtime.create(spec("stopped", SLEEP));
        assertEquals(
                ErrorCode.FAILED_PRECONDITION,
                assertThrows(
                                NodeException.class,
                                () ->
                                        runtime.exec(
                                                id,
                                                ExecSpec.of(List.of("true")),
                                                new CollectingSink<>()))
                        .code());
        assertEquals(
                ErrorCode.NOT_FOUND,
                assertThrows(
                                NodeException.class,
                                () ->
                                        runtime.exec(
                                                "nope-" + run,
                                                ExecSpec.of(List.of("true")),
                                                new CollectingSink<>()))
                        .code());
    }

    @Test
    void statsReportUseAndTheLimit() {
        long mem = 32L * 1024 * 1024;
        String id =
                runtime.create(
                        spec(
                                "stats",
                                List.of("sh", "-c", "while true; do :; done"),
                                Map.of(),
                                List.of(),
                                OptionalLong.of(mem)));
        runtime.start(id);
        ContainerStats s = runtime.stats(id);
        assertEquals(mem, s.memoryLimitBytes());
        assertTrue(s.memoryBytes() > 0, s.toString());
        assertTrue(s.timestamp().isAfter(Instant.now().minusSeconds(60)), s.toString());
        // a busy loop: its CPU share shows within a couple of samples
        await().atMost(20, SECONDS).until(() -> runtime.stats(id).cpuUsage() > 0.05);
        runtime.stop(id, Duration.ZERO);
        assertEquals(
                ErrorCode.FAILED_PRECONDITION,
                assertThrows(NodeException.class, () -> runtime.stats(id)).code());
    }

    @Test
    void imagesLoadFromASavedArchive() throws Exception {
        removeImage(dockerd.loadImage);
        assertFalse(runtime.imagePresent(dockerd.loadImage));
        List<String> loaded;
        try (InputStream in = Files.newInputStream(dockerd.loadArchive)) {
            loaded = runtime.loadImages(in);
        }
        assertEquals(List.of(dockerd.loadImage), loaded);
        assertTrue(runtime.imagePresent(dockerd.loadImage));

        NodeException bad =
                assertThrows(
                        NodeException.class,
                        () ->
                                runtime.loadImages(
                                        new java.io.ByteArrayInputStream(
                                                "not a tar".getBytes(StandardCharsets.UTF_8))));
        assertTrue(
                bad.code() == ErrorCode.INVALID_ARGUMENT || bad.code() == ErrorCode.INTERNAL,
                bad.toString());
    }

    private static void removeImage(String image) {
        try {
            engine.removeImageCmd(image).withForce(true).exec();
        } catch (NotFoundException e) {
            // not there
        }
    }

    @Test
    void pullsFromTheConfiguredRegistryWithProgress() throws Exception {
        removeImage(dockerd.pullImage);
        // the configured registry is used for references that name none
        try (DockerContainerRuntime viaRegistry =
                new DockerContainerRuntime(dockerd.settings(dockerd.registry, 10))) {
            String shortRef = dockerd.pullImage.substring(dockerd.registry.length() + 1);
            assertFalse(viaRegistry.imagePresent(shortRef));
            CollectingSink<PullProgress> progress = new CollectingSink<>();
            viaRegistry.pullImage(shortRef, Optional.empty(), progress);
            assertTrue(progress.ended.await(30, SECONDS));
            assertTrue(progress.completed, "pull failed: " + progress.error.get());
            assertFalse(progress.items.isEmpty());
            assertTrue(
                    progress.items.stream()
                            .anyMatch(
                                    p ->
                                            p.status().startsWith("Pull complete")
                                                    || p.status().startsWith("Status: Downloaded")),
                    progress.items.toString());
            assertTrue(viaRegistry.imagePresent(shortRef));
            assertTrue(runtime.imagePresent(dockerd.pullImage));
            // an image the engine has under the short name (loaded, not pulled) is used as is
            assertTrue(viaRegistry.imagePresent(dockerd.image));

            // and an image the registry does not have
            CollectingSink<PullProgress> missing = new CollectingSink<>();
            viaRegistry.pullImage("hanzo-test/absent:9", Optional.empty(), missing);
            assertTrue(missing.ended.await(30, SECONDS));
            assertFalse(missing.completed);
            NodeException e = assertInstanceOf(NodeException.class, missing.error.get());
            assertEquals(ErrorCode.NOT_FOUND, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains("hanzo-test/absent"), e.getMessage());
        }
    }

    @Test
    void watchSeesContainersStartAndDie() throws Exception {
        CollectingSink<ContainerEvent> events = new CollectingSink<>();
        Subscription watch = runtime.watch(labels, events);
        try {
            String id = runtime.create(spec("dies", List.of("sh", "-c", "sleep 0.2; exit 7")));
            runtime.start(id);
            await().atMost(20, SECONDS)
                    .until(
                            () ->
                                    events.items.stream()
                                            .anyMatch(e -> e.type() == ContainerEventType.DIED));
            List<ContainerEvent> mine =
                    events.items.stream().filter(e -> e.containerId().equals(id)).toList();
            assertEquals(
                    List.of(
                            ContainerEventType.CREATED,
                            ContainerEventType.STARTED,
                            ContainerEventType.DIED),
                    mine.stream().map(ContainerEvent::type).toList());
            ContainerEvent died = mine.get(2);
            assertEquals(Optional.of(7), died.exitCode());
            assertEquals(run, died.labels().get("hanzo.test"));
            assertFalse(
                    died.labels().containsKey("image"), "the engine's attributes are not labels");
            runtime.remove(id, false);
            await().atMost(20, SECONDS)
                    .until(
                            () ->
                                    events.items.stream()
                                            .anyMatch(e -> e.type() == ContainerEventType.REMOVED));
            assertFalse(events.isEnded());
        } finally {
            watch.close();
        }
        // a container without the labels is not reported
        assertTrue(events.items.stream().allMatch(e -> run.equals(e.labels().get("hanzo.test"))));
    }

    @Test
    void healthcheckTurnsHealthyAndIsReported() throws Exception {
        ContainerSpec base = spec("health", SLEEP);
        ContainerSpec s =
                new ContainerSpec(
                        base.name(),
                        base.image(),
                        base.entrypoint(),
                        base.command(),
                        base.environment(),
                        "",
                        "",
                        "",
                        base.ports(),
                        base.mounts(),
                        base.networks(),
                        base.labels(),
                        base.cpuLimit(),
                        base.memoryLimitBytes(),
                        base.pidsLimit(),
                        base.devices(),
                        Optional.of(
                                new ContainerHealthcheck(
                                        List.of("CMD-SHELL", "test -f /tmp/ready"),
                                        Duration.ofMillis(200),
                                        Duration.ofSeconds(2),
                                        // 10 x 200 ms before it could turn unhealthy: room for a
                                        // slow machine between the start and the first inspect
                                        10,
                                        Duration.ZERO)));
        CollectingSink<ContainerEvent> events = new CollectingSink<>();
        Subscription watch = runtime.watch(labels, events);
        try {
            String id = runtime.create(s);
            runtime.start(id);
            ContainerStatus starting = runtime.inspect(id);
            assertEquals(ContainerHealth.STARTING, starting.health());
            assertFalse(starting.ready(), "running but not yet healthy is not ready");
            execOut(id, List.of("touch", "/tmp/ready"));
            await().atMost(20, SECONDS)
                    .until(() -> runtime.inspect(id).health() == ContainerHealth.HEALTHY);
            assertTrue(runtime.inspect(id).ready());
            await().atMost(20, SECONDS)
                    .until(
                            () ->
                                    events.items.stream()
                                            .anyMatch(
                                                    e ->
                                                            e.type() == ContainerEventType.HEALTH
                                                                    && e.health()
                                                                            == ContainerHealth
                                                                                    .HEALTHY));
        } finally {
            watch.close();
        }
    }

    @Test
    void missingImageIsNotFoundNamingIt() {
        ContainerSpec base = spec("noimage", SLEEP);
        ContainerSpec s =
                new ContainerSpec(
                        base.name(),
                        "hanzo-test/absent:" + run,
                        base.entrypoint(),
                        base.command(),
                        base.environment(),
                        "",
                        "",
                        "",
                        base.ports(),
                        base.mounts(),
                        base.networks(),
                        base.labels(),
                        base.cpuLimit(),
                        base.memoryLimitBytes(),
                        base.pidsLimit(),
                        base.devices(),
                        base.healthcheck());
        NodeException e = assertThrows(NodeException.class, () -> runtime.create(s));
        assertEquals(ErrorCode.NOT_FOUND, e.code());
        assertTrue(e.getMessage().contains("hanzo-test/absent:" + run), e.getMessage());
        assertTrue(runtime.list(labels).isEmpty(), "nothing is left behind");
    }

    @Test
    void duplicateNamesAndBadSpecsAreRefusedAndLeaveNothing() {
        runtime.create(spec("dup", SLEEP));
        NodeException dup =
                assertThrows(NodeException.class, () -> runtime.create(spec("dup", SLEEP)));
        assertEquals(ErrorCode.ALREADY_EXISTS, dup.code());

        NodeException port =
                assertThrows(
                        NodeException.class,
                        () ->
                                runtime.create(
                                        spec(
                                                "badport",
                                                SLEEP,
                                                Map.of(),
                                                List.of(new PortMapping("", 0, 70000, "tcp")),
                                                OptionalLong.empty())));
        assertEquals(ErrorCode.INVALID_ARGUMENT, port.code());
        assertTrue(port.getMessage().contains("container port"), port.getMessage());

        NodeException mem =
                assertThrows(
                        NodeException.class,
                        () ->
                                runtime.create(
                                        spec(
                                                "badmem",
                                                SLEEP,
                                                Map.of(),
                                                List.of(),
                                                OptionalLong.of(1024))));
        assertEquals(ErrorCode.INVALID_ARGUMENT, mem.code());

        ContainerSpec base = spec("badnet", SLEEP);
        ContainerSpec net =
                new ContainerSpec(
                        base.name(),
                        base.image(),
                        base.entrypoint(),
                        base.command(),
                        base.environment(),
                        "",
                        "",
                        "",
                        base.ports(),
                        base.mounts(),
                        List.of(dockerd.network, "hz-absent-" + run),
                        base.labels(),
                        base.cpuLimit(),
                        base.memoryLimitBytes(),
                        base.pidsLimit(),
                        base.devices(),
                        base.healthcheck());
        NodeException missingNet = assertThrows(NodeException.class, () -> runtime.create(net));
        assertEquals(ErrorCode.NOT_FOUND, missingNet.code(), missingNet.getMessage());
        assertTrue(missingNet.getMessage().contains("hz-absent-" + run), missingNet.getMessage());
        assertEquals(
                List.of("hz-" + run + "-dup"),
                runtime.list(labels).stream()
                        .map(ContainerStatus::name)
                        .collect(Collectors.toList()));
    }

    @Test
    void anUnreachableEngineIsUnavailableWithTheReason(@TempDir Path dir) throws Exception {
        Availability here = runtime.selfTest();
        assertTrue(here.available(), here.reason());

        String missing = dir.resolve("docker.sock").toString();
        try (DockerContainerRuntime none =
                new DockerContainerRuntime(
                        new DockerSettings(
                                URI.create("unix://" + missing),
                                "",
                                Optional.empty(),
                                "",
                                Duration.ofSeconds(2),
                                Duration.ofSeconds(5),
                                4))) {
            Availability a = none.selfTest();
            assertFalse(a.available());
            assertTrue(a.reason().contains(missing), a.reason());
            NodeException e =
                    assertThrows(NodeException.class, () -> none.create(spec("x", SLEEP)));
            assertEquals(ErrorCode.UNAVAILABLE, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains(missing), e.getMessage());
        }
        // a port where nothing listens
        int port;
        try (java.net.ServerSocket s =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (DockerContainerRuntime closed =
                new DockerContainerRuntime(
                        new DockerSettings(
                                URI.create("tcp://127.0.0.1:" + port),
                                "",
                                Optional.empty(),
                                "",
                                Duration.ofSeconds(2),
                                Duration.ofSeconds(5),
                                4))) {
            Availability a = closed.selfTest();
            assertFalse(a.available());
            assertTrue(a.reason().contains("127.0.0.1:" + port), a.reason());
            assertTrue(closed.unenforceableLimits().containsKey(LimitKind.MEMORY));
        }
    }

    @Test
    void capabilitiesNameTheEngineArchitecture() {
        var caps = runtime.capabilities();
        assertNotNull(caps);
        assertTrue(
                caps.capabilities().stream().anyMatch(c -> c.startsWith("docker:arch:")),
                caps.toString());
        assertTrue(runtime.unenforceableLimits().containsKey(LimitKind.DEVICES));
    }
}
