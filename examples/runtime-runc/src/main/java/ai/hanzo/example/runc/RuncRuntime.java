package ai.hanzo.example.runc;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.ErrorCode;
import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.NotFoundException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.runtime.ContainerEvent;
import ai.hanzo.node.api.runtime.ContainerEventType;
import ai.hanzo.node.api.runtime.ContainerHealth;
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
import ai.hanzo.node.api.runtime.RuntimeCapabilities;
import ai.hanzo.node.api.runtime.StreamSink;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs containers as OCI bundles with runc, under {@code <home>/containers/<id>/}: {@code
 * bundle/config.json} (generated from the spec) and {@code bundle/rootfs}, the container's record
 * ({@code container.properties}, with its labels) and its log files.
 *
 * <p>{@code start} runs {@code runc run} in the foreground of a child process of its own session
 * ({@code setsid}), with the log files as its standard output and error: runc waits for the
 * container, passes on its exit code, and removes runc's state when it exits, so "start again" is
 * another {@code runc run}. The container does not depend on the node (no pipes): it outlives the
 * node and this plugin, and the next instance re-adopts it from its record and {@code runc state}
 * (its exit code is then unknown, as with Docker's live restore).
 *
 * <p>All blocking work runs on the node's {@link NodeScheduler}; the plugin starts no threads.
 */
public final class RuncRuntime implements AutoCloseable {
    /** The runtime's name, as deployments choose it with {@code hanzo.runtime: runc}. */
    public static final String NAME = "runc";

    private static final Duration COLLECT_INTERVAL = Duration.ofMillis(200);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final SecureRandom IDS = new SecureRandom();

    private final Logger log = Logger.getLogger(RuncRuntime.class.getName());
    private final Path home;
    private final Path busybox;
    private final Runc runc;
    private final Images images;
    private final NodeScheduler scheduler;
    private final Map<String, Container> containers = new ConcurrentHashMap<>();
    private final List<Watch> watches = new CopyOnWriteArrayList<>();
    private final Set<Subscription> streams = ConcurrentHashMap.newKeySet();
    private final ScheduledFuture<?> collector;
    private volatile boolean closed;

    /** One container: its record, files and the runc process while it runs. */
    private static final class Container {
        final ContainerRecord record;
        final Path dir;
        final ContainerLogs logs;
        CompletableFuture<Integer> exit = CompletableFuture.completedFuture(null);

        Container(ContainerRecord record, Path dir) {
            this.record = record;
            this.dir = dir;
            this.logs = new ContainerLogs(dir, record.id);
        }

        synchronized boolean running() {
            return record.state == ContainerState.RUNNING;
        }
    }

    /**
     * @param home the runtime's directory (containers, runc state, volumes)
     * @param runcBinary the runc executable
     * @param busybox the host's statically linked busybox, for the busybox image
     * @param scheduler the node's threads
     */
    public RuncRuntime(Path home, String runcBinary, Path busybox, NodeScheduler scheduler) {
        this.home = home;
        this.busybox = busybox;
        this.runc = new Runc(runcBinary, home.resolve("state"));
        this.images = new Images(busybox);
        this.scheduler = scheduler;
        try {
            Files.createDirectories(home.resolve("containers"));
            Files.createDirectories(home.resolve("state"));
            Files.createDirectories(home.resolve("volumes"));
        } catch (IOException e) {
            throw new NodeException(ErrorCode.INTERNAL, "cannot create " + home + ": " + e, e);
        }
        readopt();
        this.collector =
                scheduler.scheduleWithFixedDelay(
                        "runc log collector", this::collectAll, COLLECT_INTERVAL, COLLECT_INTERVAL);
    }

    // --- re-adoption

    private void readopt() {
        try (var dirs = Files.list(home.resolve("containers"))) {
            for (Path dir : dirs.toList()) {
                if (!Files.exists(dir.resolve(ContainerRecord.FILE))) {
                    continue;
                }
                try {
                    Container c = new Container(ContainerRecord.load(dir), dir);
                    containers.put(c.record.id, c);
                    if (c.record.state == ContainerState.RUNNING) {
                        adoptRunning(c);
                    }
                } catch (IOException | RuntimeException e) {
                    log.log(Level.WARNING, "cannot read the container record in " + dir, e);
                }
            }
        } catch (IOException e) {
            throw new NodeException(ErrorCode.INTERNAL, "cannot list " + home + ": " + e, e);
        }
    }

    private void adoptRunning(Container c) {
        Runc.Result state = runc.run("state", c.record.id);
        long pid = state.ok() ? Json.number(state.stdout(), "pid") : -1;
        Optional<ProcessHandle> handle =
                pid > 0 && "running".equals(Json.string(state.stdout(), "status"))
                        ? ProcessHandle.of(pid)
                        : Optional.empty();
        if (handle.isEmpty()) {
            // it ended while no one watched: its exit code is lost
            synchronized (c) {
                c.record.state = ContainerState.EXITED;
                c.record.finishedAt = Optional.of(Instant.now());
                c.record.exitCode = Optional.empty();
                save(c);
            }
            return;
        }
        // completes after the exit was recorded, so a stop that waits on it sees EXITED
        c.exit =
                handle.get()
                        .onExit()
                        .thenApply(
                                p -> {
                                    exited(c, Optional.empty());
                                    return null;
                                });
    }

    // --- self-test and capabilities

    /**
     * @return whether runc runs here: the binary answers, and this process may create containers
     */
    public Availability selfTest() {
        Runc.Result version = runc.version();
        if (!version.ok()) {
            return Availability.unavailable("runc --version failed: " + version.stderr());
        }
        if (!"0".equals(uid())) {
            return Availability.unavailable("runc needs root here (no rootless setup)");
        }
        return Availability.ok();
    }

    private static String uid() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:"))
                    .map(l -> l.split("\\s+")[1])
                    .findFirst()
                    .orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    /**
     * @return the capabilities this runtime adds: the runc version, and oci
     */
    public RuntimeCapabilities capabilities() {
        return new RuntimeCapabilities(List.of("oci", "cgroups"), List.of());
    }

    /**
     * @return limits runc cannot enforce here: devices (no device requests), and any limit whose
     *     cgroup controller is not mounted
     */
    public Map<LimitKind, String> unenforceableLimits() {
        Map<LimitKind, String> missing = new java.util.EnumMap<>(LimitKind.class);
        missing.put(LimitKind.DEVICES, "the runc example passes no host devices");
        boolean v2 = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"));
        if (!v2) {
            for (var e :
                    Map.of(LimitKind.CPU, "cpu", LimitKind.MEMORY, "memory", LimitKind.PIDS, "pids")
                            .entrySet()) {
                if (!Files.isDirectory(Path.of("/sys/fs/cgroup", e.getValue()))) {
                    missing.put(e.getKey(), "no " + e.getValue() + " cgroup controller mounted");
                }
            }
        }
        return missing;
    }

    /**
     * @param image an image reference
     * @return whether it is present: busybox when busybox-static is installed, a directory
     */
    public boolean imagePresent(String image) {
        return images.present(image);
    }

    // --- lifecycle

    /**
     * Writes the container's OCI bundle and record.
     *
     * @param spec the container
     * @return its id
     */
    public String create(ContainerSpec spec) {
        open();
        if (!spec.ports().isEmpty()) {
            throw new InvalidArgumentException(
                    "the runc runtime publishes no ports (each container has its own network"
                            + " namespace with loopback only): remove ports "
                            + spec.ports());
        }
        if (!spec.networks().isEmpty()) {
            throw new InvalidArgumentException(
                    "the runc runtime joins no networks: remove networks " + spec.networks());
        }
        if (!spec.devices().isEmpty()) {
            throw new InvalidArgumentException("the runc runtime passes no devices to containers");
        }
        if (spec.healthcheck().isPresent()) {
            throw new InvalidArgumentException(
                    "the runc runtime example runs no healthchecks: remove the healthcheck");
        }
        OciConfig.user(spec.user());
        String id = newId();
        Path dir = home.resolve("containers").resolve(id);
        try {
            Path bundle = Files.createDirectories(dir.resolve("bundle"));
            boolean shared = Images.sharedRoot(spec.image());
            Path rootfs = images.prepare(spec.image(), bundle.resolve("rootfs"));
            for (var m : spec.mounts()) {
                if (!m.source().startsWith("/")) {
                    Files.createDirectories(
                            home.resolve("volumes").resolve(OciConfig.volumeName(m.source())));
                }
            }
            Files.writeString(
                    bundle.resolve("config.json"),
                    OciConfig.of(id, spec, rootfs, shared, home.resolve("volumes")),
                    StandardCharsets.UTF_8);
            Files.createFile(dir.resolve("stdout.raw"));
            Files.createFile(dir.resolve("stderr.raw"));
            ContainerRecord record =
                    new ContainerRecord(
                            id,
                            spec.name(),
                            spec.image(),
                            spec.stopSignal(),
                            spec.labels(),
                            Instant.now());
            record.save(dir);
            Container c = new Container(record, dir);
            containers.put(id, c);
            publish(c, ContainerEventType.CREATED, Optional.empty());
            return id;
        } catch (IOException e) {
            deleteTree(dir);
            throw new NodeException(ErrorCode.INTERNAL, "cannot create the container: " + e, e);
        } catch (RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    private static String newId() {
        byte[] bytes = new byte[6];
        IDS.nextBytes(bytes);
        return "runc-" + HexFormat.of().formatHex(bytes);
    }

    /**
     * Runs the container: {@code runc run} in its own session, logs to the container's files.
     *
     * @param containerId the container
     */
    public void start(String containerId) {
        open();
        Container c = get(containerId);
        synchronized (c) {
            if (c.record.state == ContainerState.RUNNING) {
                return;
            }
            // a state left from a run that ended while no one watched
            runc.run("delete", "--force", c.record.id);
            long errorsFrom = c.logs.stderrSize();
            List<String> command = new ArrayList<>(List.of("setsid"));
            command.addAll(
                    runc.command(
                            "run", "--bundle", c.dir.resolve("bundle").toString(), c.record.id));
            Process process;
            try {
                process =
                        new ProcessBuilder(command)
                                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                                .redirectOutput(
                                        ProcessBuilder.Redirect.appendTo(
                                                c.logs.stdoutFile().toFile()))
                                .redirectError(
                                        ProcessBuilder.Redirect.appendTo(
                                                c.logs.stderrFile().toFile()))
                                .start();
            } catch (IOException e) {
                throw new NodeException(ErrorCode.UNAVAILABLE, "cannot run runc: " + e, e);
            }
            awaitStarted(c, process, errorsFrom);
            boolean again = c.record.startedAt.isPresent();
            c.record.state = ContainerState.RUNNING;
            c.record.startedAt = Optional.of(Instant.now());
            c.record.finishedAt = Optional.empty();
            c.record.exitCode = Optional.empty();
            c.record.pid = process.pid();
            if (again) {
                c.record.restartCount++;
            }
            save(c);
            // completes after the exit was recorded, so a stop that waits on it sees EXITED
            c.exit =
                    process.onExit()
                            .thenApply(
                                    p -> {
                                        exited(c, Optional.of(p.exitValue()));
                                        return p.exitValue();
                                    });
        }
        publish(c, ContainerEventType.STARTED, Optional.empty());
    }

    /**
     * Waits until runc has started the container's process (its state file exists and the exec
     * fifo, which the process waits on between create and start, is gone) or has failed; runc
     * reports failures as logrus lines with {@code level=error} on its standard error.
     */
    private void awaitStarted(Container c, Process process, long errorsFrom) {
        Path stateDir = home.resolve("state").resolve(c.record.id);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try {
            while (!Files.exists(stateDir.resolve("state.json"))
                    || Files.exists(stateDir.resolve("exec.fifo"))) {
                if (process.waitFor(5, TimeUnit.MILLISECONDS)) {
                    String errors = c.logs.stderrAfter(errorsFrom);
                    if (process.exitValue() != 0 && errors.contains("level=error")) {
                        throw new NodeException(
                                ErrorCode.FAILED_PRECONDITION,
                                "runc could not start "
                                        + c.record.name
                                        + ": "
                                        + Runc.message(errors));
                    }
                    // it ran and ended already: the exit handler reports it
                    return;
                }
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new NodeException(
                            ErrorCode.DEADLINE_EXCEEDED,
                            "runc did not start " + c.record.name + " within " + START_TIMEOUT);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(ErrorCode.UNAVAILABLE, "interrupted starting a container", e);
        }
    }

    private void exited(Container c, Optional<Integer> exitCode) {
        if (closed) {
            return;
        }
        synchronized (c) {
            if (c.record.state != ContainerState.RUNNING) {
                return;
            }
            c.record.state = ContainerState.EXITED;
            c.record.finishedAt = Optional.of(Instant.now());
            c.record.exitCode = exitCode;
            save(c);
        }
        try {
            c.logs.collect(true);
        } catch (IOException e) {
            log.log(Level.WARNING, "cannot collect the log of " + c.record.id, e);
        }
        publish(c, ContainerEventType.DIED, exitCode);
    }

    /**
     * Sends the stop signal, then SIGKILL after the grace, and waits for the exit.
     *
     * @param containerId the container
     * @param grace how long to wait before killing
     */
    public void stop(String containerId, Duration grace) {
        open();
        Container c = get(containerId);
        if (!c.running()) {
            return;
        }
        String signal = c.record.stopSignal.isBlank() ? "SIGTERM" : c.record.stopSignal;
        if (!grace.isZero()) {
            runc.run("kill", c.record.id, signal);
            if (awaitExit(c, grace)) {
                return;
            }
        }
        runc.run("kill", "--all", c.record.id, "SIGKILL");
        if (!awaitExit(c, Duration.ofSeconds(10))) {
            throw new NodeException(
                    ErrorCode.DEADLINE_EXCEEDED,
                    "container " + containerId + " did not exit 10 s after SIGKILL");
        }
    }

    private static boolean awaitExit(Container c, Duration timeout) {
        CompletableFuture<Integer> exit;
        synchronized (c) {
            exit = c.exit;
        }
        try {
            exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException | java.util.concurrent.CancellationException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(ErrorCode.UNAVAILABLE, "interrupted stopping a container", e);
        }
        return true;
    }

    /**
     * @param containerId the container
     * @param force kill it first when it runs
     */
    public void remove(String containerId, boolean force) {
        open();
        Container c = get(containerId);
        if (c.running()) {
            if (!force) {
                throw new FailedPreconditionException(
                        "container " + containerId + " is running: stop it or remove with force");
            }
            stop(containerId, Duration.ZERO);
        }
        runc.run("delete", "--force", c.record.id);
        containers.remove(containerId);
        deleteTree(c.dir);
        publish(c, ContainerEventType.REMOVED, c.record.exitCode);
    }

    // --- queries

    /**
     * @param containerId the container
     * @return its status
     */
    public ContainerStatus inspect(String containerId) {
        Container c = get(containerId);
        synchronized (c) {
            return c.record.status(NAME);
        }
    }

    /**
     * @param labelFilters labels a container must carry
     * @return the matching containers
     */
    public List<ContainerStatus> list(Map<String, String> labelFilters) {
        List<ContainerStatus> result = new ArrayList<>();
        for (Container c : containers.values()) {
            synchronized (c) {
                if (c.record.labels.entrySet().containsAll(labelFilters.entrySet())) {
                    result.add(c.record.status(NAME));
                }
            }
        }
        result.sort(Comparator.comparing(ContainerStatus::createdAt));
        return result;
    }

    /**
     * Reads CPU and memory from {@code runc events --stats}: two readings 100 ms apart give the CPU
     * share.
     *
     * @param containerId a running container
     * @return its resource use
     */
    public ContainerStats stats(String containerId) {
        Container c = get(containerId);
        if (!c.running()) {
            throw new FailedPreconditionException("container " + containerId + " is not running");
        }
        Runc.Result first = runc.run("events", "--stats", c.record.id);
        long t0 = System.nanoTime();
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(ErrorCode.UNAVAILABLE, "interrupted reading stats", e);
        }
        Runc.Result second = runc.run("events", "--stats", c.record.id);
        long t1 = System.nanoTime();
        if (!first.ok() || !second.ok()) {
            throw new NodeException(
                    ErrorCode.UNAVAILABLE,
                    "runc events failed: "
                            + Runc.message(second.ok() ? first.stderr() : second.stderr()));
        }
        long cpu0 = Json.number(first.stdout(), "total");
        long cpu1 = Json.number(second.stdout(), "total");
        int cores = Runtime.getRuntime().availableProcessors();
        double share = Math.max(0, (double) (cpu1 - cpu0) / (t1 - t0) / cores);
        int memory = second.stdout().indexOf("\"memory\"");
        String mem = memory < 0 ? "" : second.stdout().substring(memory);
        long limit = Json.number(mem, "limit");
        return new ContainerStats(
                Instant.now(),
                Math.min(1.0, share),
                Math.max(0, Json.number(mem, "usage")),
                limit < 0 || limit >= Long.MAX_VALUE / 2 ? 0 : limit,
                0,
                0);
    }

    // --- streams

    /** A watch: events queued and handed to the sink by one scheduler task at a time. */
    private final class Watch implements Subscription {
        final Map<String, String> filters;
        final StreamSink<ContainerEvent> sink;
        final LinkedBlockingQueue<ContainerEvent> queue = new LinkedBlockingQueue<>();
        final Object drainLock = new Object();
        boolean draining;
        volatile boolean closed;

        Watch(Map<String, String> filters, StreamSink<ContainerEvent> sink) {
            this.filters = Map.copyOf(filters);
            this.sink = sink;
        }

        void offer(ContainerEvent event) {
            if (closed || !event.labels().entrySet().containsAll(filters.entrySet())) {
                return;
            }
            queue.add(event);
            synchronized (drainLock) {
                if (draining) {
                    return;
                }
                draining = true;
            }
            scheduler.submit("runc watch", this::drain);
        }

        private Void drain() {
            while (true) {
                ContainerEvent next;
                synchronized (drainLock) {
                    next = queue.poll();
                    if (next == null || closed) {
                        draining = false;
                        return null;
                    }
                }
                try {
                    sink.next(next);
                } catch (InterruptedException | RuntimeException e) {
                    fail(e);
                    return null;
                }
            }
        }

        void fail(Throwable failure) {
            if (!closed) {
                closed = true;
                watches.remove(this);
                sink.error(failure);
            }
        }

        @Override
        public void close() {
            closed = true;
            watches.remove(this);
        }
    }

    /**
     * @param labelFilters labels the containers must carry
     * @param sink receives the events
     * @return the watch
     */
    public Subscription watch(Map<String, String> labelFilters, StreamSink<ContainerEvent> sink) {
        open();
        Watch watch = new Watch(labelFilters, sink);
        watches.add(watch);
        return watch;
    }

    private void publish(Container c, ContainerEventType type, Optional<Integer> exitCode) {
        ContainerEvent event =
                new ContainerEvent(
                        Instant.now(),
                        c.record.id,
                        type,
                        exitCode,
                        ContainerHealth.NONE,
                        c.record.labels);
        for (Watch w : watches) {
            w.offer(event);
        }
    }

    /**
     * Delivers the collected lines (tail and since applied); with follow, keeps delivering new ones
     * until the container has exited and its last line was delivered.
     */
    public Subscription logs(String containerId, LogOptions options, StreamSink<LogLine> sink) {
        open();
        Container c = get(containerId);
        LogFollow follow = new LogFollow(c, options, sink);
        streams.add(follow);
        scheduler.submit("runc logs " + containerId, follow::first);
        return follow;
    }

    private final class LogFollow implements Subscription {
        final Container c;
        final LogOptions options;
        final StreamSink<LogLine> sink;
        long position;
        volatile boolean closed;
        volatile ScheduledFuture<?> ticks;

        LogFollow(Container c, LogOptions options, StreamSink<LogLine> sink) {
            this.c = c;
            this.options = options;
            this.sink = sink;
        }

        Void first() {
            try {
                List<LogLine> lines = new ArrayList<>();
                long pos = 0;
                while (true) {
                    long next = c.logs.read(pos, lines);
                    if (next == pos) {
                        break;
                    }
                    pos = next;
                }
                position = pos;
                List<LogLine> selected =
                        lines.stream()
                                .filter(
                                        l ->
                                                options.since().isEmpty()
                                                        || !l.timestamp()
                                                                .isBefore(options.since().get()))
                                .toList();
                if (options.tail() > 0 && selected.size() > options.tail()) {
                    selected = selected.subList(selected.size() - options.tail(), selected.size());
                }
                for (LogLine line : selected) {
                    if (closed) {
                        return null;
                    }
                    sink.next(line);
                }
                if (!options.follow()) {
                    end(null);
                    return null;
                }
                ticks =
                        scheduler.scheduleWithFixedDelay(
                                "runc logs follow " + c.record.id,
                                this::tick,
                                Duration.ofMillis(100),
                                Duration.ofMillis(100));
            } catch (IOException | InterruptedException | RuntimeException e) {
                end(e);
            }
            return null;
        }

        private void tick() {
            try {
                // read whether it still runs before reading: its last lines are collected then
                boolean running = c.running();
                List<LogLine> lines = new ArrayList<>();
                position = c.logs.read(position, lines);
                for (LogLine line : lines) {
                    if (closed) {
                        return;
                    }
                    sink.next(line);
                }
                if (!running && lines.isEmpty()) {
                    end(null);
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                end(e);
            }
        }

        private void end(Throwable failure) {
            ScheduledFuture<?> t = ticks;
            if (t != null) {
                t.cancel(false);
            }
            streams.remove(this);
            if (closed) {
                return;
            }
            closed = true;
            if (failure == null) {
                sink.complete();
            } else {
                sink.error(failure);
            }
        }

        @Override
        public void close() {
            closed = true;
            ScheduledFuture<?> t = ticks;
            if (t != null) {
                t.cancel(false);
            }
            streams.remove(this);
        }
    }

    /**
     * Runs {@code runc exec} in the container; without a terminal.
     *
     * @param containerId a running container
     * @param spec the command
     * @param output receives its output
     * @return the session
     */
    public ExecSession exec(String containerId, ExecSpec spec, StreamSink<ExecOutput> output) {
        open();
        Container c = get(containerId);
        if (!c.running()) {
            throw new FailedPreconditionException("container " + containerId + " is not running");
        }
        if (spec.tty()) {
            throw new InvalidArgumentException("the runc runtime example runs exec without a tty");
        }
        if (spec.command().isEmpty()) {
            throw new InvalidArgumentException("exec needs a command");
        }
        List<String> args = new ArrayList<>(List.of("exec"));
        spec.environment().forEach((k, v) -> args.addAll(List.of("--env", k + "=" + v)));
        if (!spec.workingDir().isBlank()) {
            args.addAll(List.of("--cwd", spec.workingDir()));
        }
        if (!spec.user().isBlank()) {
            Map<String, Object> user = OciConfig.user(spec.user());
            args.addAll(List.of("--user", user.get("uid") + ":" + user.get("gid")));
        }
        args.add(c.record.id);
        args.addAll(spec.command());
        Process process;
        try {
            process = new ProcessBuilder(runc.command(args.toArray(String[]::new))).start();
        } catch (IOException e) {
            throw new NodeException(ErrorCode.UNAVAILABLE, "cannot run runc exec: " + e, e);
        }
        RuncExec session = new RuncExec(process, output, spec.attachStdin());
        streams.add(session::close);
        session.start(scheduler, "runc exec " + containerId);
        return session;
    }

    // --- housekeeping

    private void collectAll() {
        for (Container c : containers.values()) {
            if (c.running()) {
                try {
                    c.logs.collect(false);
                } catch (IOException e) {
                    log.log(Level.FINE, "cannot collect the log of " + c.record.id, e);
                }
            }
        }
    }

    private Container get(String containerId) {
        Container c = containers.get(containerId);
        if (c == null) {
            throw new NotFoundException("no runc container " + containerId);
        }
        return c;
    }

    private void open() {
        if (closed) {
            throw new NodeException(ErrorCode.UNAVAILABLE, "the runc runtime was stopped");
        }
    }

    private void save(Container c) {
        try {
            c.record.save(c.dir);
        } catch (IOException e) {
            log.log(Level.WARNING, "cannot save the record of " + c.record.id, e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // what is left is reported by the next list of the directory
        }
    }

    /**
     * Stops watching: collection, watches (ended with UNAVAILABLE), log streams and exec sessions.
     * Containers keep running; the next instance re-adopts them.
     */
    @Override
    public void close() {
        closed = true;
        collector.cancel(false);
        NodeException gone =
                new NodeException(ErrorCode.UNAVAILABLE, "the runc runtime was stopped");
        for (Watch w : watches) {
            w.fail(gone);
        }
        for (Subscription s : new HashSet<>(streams)) {
            s.close();
        }
        streams.clear();
        for (Container c : containers.values()) {
            c.exit.cancel(false);
        }
    }

    Path busybox() {
        return busybox;
    }
}
