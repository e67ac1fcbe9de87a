package ai.hanzo.node.compute.internal.process;

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
import ai.hanzo.node.api.runtime.ContainerHealthcheck;
import ai.hanzo.node.api.runtime.ContainerRuntime;
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
import ai.hanzo.node.compute.internal.SinkPump;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in runtime: each container is one local process, started from an argument vector (never
 * a shell string) with the spec's environment and working directory, in a session of its own,
 * writing its output straight into files under the runtime's directory. Nothing ties the process to
 * the node's JVM, so it outlives a crash of the node; a new runtime over the same directory
 * re-adopts it when its pid still names the same process (same start time), and reports it exited
 * otherwise (a recycled pid is never taken for it).
 *
 * <p>Layout: {@code <root>/<container-id>/} (mode 700) holds {@code spec.bin}, {@code
 * state.properties}, the raw output files, the collected {@code container.log*} and {@code work/}
 * (the default working directory).
 */
public final class ProcessRuntime implements ContainerRuntime, AutoCloseable {
    /** The runtime's name. */
    public static final String NAME = "process";

    // joins the cgroups named before "--", then becomes the service (exec keeps the pid)
    private static final String CGROUP_SHIM =
            "while [ \"$#\" -gt 0 ] && [ \"$1\" != -- ]; do echo $$ > \"$1\" || exit 125; shift;"
                    + " done; shift; exec \"$@\"";
    private static final long CLOCK_TICKS_PER_SECOND = 100;
    private static final int QUIET_AFTER_ROUNDS = 8;

    /**
     * Tunables.
     *
     * @param collectInterval how often output is collected into the logs
     * @param livenessInterval how often re-adopted processes (not the node's children) are checked
     * @param logMaxBytes size at which a container's log is rotated
     * @param logFiles rotated files kept besides the current one
     * @param cgroupRoot the cgroup mount
     */
    public record Settings(
            Duration collectInterval,
            Duration livenessInterval,
            long logMaxBytes,
            int logFiles,
            Path cgroupRoot) {
        /**
         * @return 250 ms collection, 1 s liveness, 10 MB logs, 3 rotated files, /sys/fs/cgroup
         */
        public static Settings defaults() {
            return new Settings(
                    Duration.ofMillis(250),
                    Duration.ofSeconds(1),
                    10L << 20,
                    3,
                    Path.of("/sys/fs/cgroup"));
        }
    }

    private final Logger logger = LoggerFactory.getLogger(ProcessRuntime.class);
    private final Path root;
    private final NodeScheduler scheduler;
    private final Clock clock;
    private final Settings settings;
    private final Cgroups cgroups;
    private final String setsid;
    private final String setpriv;
    private final String kill;
    private final String script;
    private final String stty;
    private final Map<String, Box> containers = new ConcurrentHashMap<>();
    private final List<Watch> watches = new CopyOnWriteArrayList<>();
    private final ScheduledFuture<?> collector;
    private final ScheduledFuture<?> liveness;
    private long collectRounds;

    private record Watch(Map<String, String> filters, SinkPump<ContainerEvent> pump) {}

    /** One container: its spec, its files and what is known of its process. */
    private final class Box {
        final String id;
        final Path dir;
        final ContainerSpec spec;
        final List<String> argv;
        final Instant createdAt;
        final ContainerLog log;
        final List<LogFollower> followers = new CopyOnWriteArrayList<>();
        // collection rounds in a row without output (read by the collector only)
        int quietRounds;
        // guarded by this
        ContainerState state = ContainerState.CREATED;
        long pid = -1;
        long startTicks = -1;
        Instant startedAt;
        Instant finishedAt;
        Integer exitCode;
        int restartCount;
        boolean everStarted;
        Process process;
        long generation;
        ContainerHealth health = ContainerHealth.NONE;
        int failures;
        ScheduledFuture<?> healthTask;

        Box(
                String id,
                ContainerSpec spec,
                List<String> argv,
                Instant createdAt,
                long out,
                long err) {
            this.id = id;
            this.dir = root.resolve(id);
            this.spec = spec;
            this.argv = argv;
            this.createdAt = createdAt;
            this.log =
                    new ContainerLog(
                            dir, settings.logMaxBytes(), settings.logFiles(), clock, out, err);
        }

        Path workDir() {
            return spec.workingDir().isBlank() ? dir.resolve("work") : Path.of(spec.workingDir());
        }
    }

    /**
     * Opens the runtime over its directory and re-adopts the processes still running there.
     *
     * @param root the runtime's directory, {@code <data-dir>/compute/process}
     * @param scheduler the node's scheduler
     * @param clock the clock for timestamps
     * @param settings tunables
     */
    public ProcessRuntime(Path root, NodeScheduler scheduler, Clock clock, Settings settings) {
        this.root = root.toAbsolutePath();
        this.scheduler = scheduler;
        this.clock = clock;
        this.settings = settings;
        this.cgroups = Cgroups.detect(settings.cgroupRoot());
        this.setsid = onPath("setsid", System.getenv("PATH"));
        this.setpriv = onPath("setpriv", System.getenv("PATH"));
        this.kill = onPath("kill", System.getenv("PATH"));
        this.script = onPath("script", System.getenv("PATH"));
        this.stty = onPath("stty", System.getenv("PATH"));
        try {
            Files.createDirectories(this.root);
            Files.setPosixFilePermissions(this.root, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            logger.warn("Cannot prepare the process runtime directory {}: {}", root, e.toString());
        }
        recover();
        this.collector =
                scheduler.scheduleWithFixedDelay(
                        "process runtime log collection",
                        this::collectAll,
                        settings.collectInterval(),
                        settings.collectInterval());
        this.liveness =
                scheduler.scheduleWithFixedDelay(
                        "process runtime liveness",
                        this::checkAdopted,
                        settings.livenessInterval(),
                        settings.livenessInterval());
        logger.info(
                "Process runtime at {}: {} container(s) known, cgroups {}, limits not enforced: {}",
                this.root,
                containers.size(),
                cgroups.version(),
                cgroups.unenforceable().keySet());
    }

    /** Stops collecting and checking; the processes keep running (they outlive the node). */
    @Override
    public void close() {
        collector.cancel(false);
        liveness.cancel(false);
        for (Box b : containers.values()) {
            synchronized (b) {
                if (b.healthTask != null) {
                    b.healthTask.cancel(false);
                }
            }
            try {
                b.log.collect(false);
            } catch (IOException e) {
                logger.debug("Last collection of {} failed", b.id, e);
            }
            b.log.close();
            b.followers.forEach(LogFollower::close);
        }
        watches.forEach(w -> w.pump().close());
        watches.clear();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Availability selfTest() {
        if (!Files.isDirectory(root) || !Files.isWritable(root)) {
            return Availability.unavailable("cannot write the process runtime directory " + root);
        }
        return Availability.ok();
    }

    @Override
    public RuntimeCapabilities capabilities() {
        return new RuntimeCapabilities(
                List.of("os:" + System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT)),
                List.of());
    }

    @Override
    public Map<LimitKind, String> unenforceableLimits() {
        return cgroups.unenforceable();
    }

    @Override
    public boolean imagePresent(String image) {
        return resolveExecutable(image, System.getenv("PATH"), root) != null;
    }

    // --- containers

    @Override
    public String create(ContainerSpec spec) {
        List<String> argv = argv(spec);
        String id = HexFormat.of().formatHex(randomBytes());
        Box b = new Box(id, spec, argv, clock.instant(), 0, 0);
        try {
            Files.createDirectory(
                    b.dir,
                    PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rwx------")));
            // state.properties is first written when the container starts: until then, a
            // container without one is a created one (see recover)
            SpecFile.writeSpec(b.dir.resolve("spec.bin"), spec, argv);
        } catch (IOException e) {
            deleteTree(b.dir);
            throw new NodeException(
                    ErrorCode.INTERNAL, "cannot create container files in " + b.dir + ": " + e, e);
        }
        containers.put(id, b);
        emit(b, ContainerEventType.CREATED, Optional.empty());
        return id;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    /** The argument vector of a spec: image, then entrypoint and command; or their first word. */
    private List<String> argv(ContainerSpec spec) {
        List<String> words = new ArrayList<>();
        String exe;
        if (!spec.image().isBlank()) {
            exe = spec.image();
            words.addAll(spec.entrypoint());
            words.addAll(spec.command());
        } else {
            List<String> all = new ArrayList<>(spec.entrypoint());
            all.addAll(spec.command());
            if (all.isEmpty()) {
                throw new InvalidArgumentException(
                        "image: the process runtime needs an executable: give image, or an"
                                + " entrypoint or command");
            }
            exe = all.get(0);
            words.addAll(all.subList(1, all.size()));
        }
        String path = spec.environment().getOrDefault("PATH", System.getenv("PATH"));
        Path cwd = spec.workingDir().isBlank() ? root : Path.of(spec.workingDir());
        String resolved = resolveExecutable(exe, path, cwd);
        if (resolved == null) {
            throw new NotFoundException(
                    "image: executable '"
                            + exe
                            + "' not found"
                            + (exe.contains("/") ? "" : " on the PATH " + path));
        }
        List<String> argv = new ArrayList<>();
        argv.add(resolved);
        argv.addAll(words);
        return argv;
    }

    private static String resolveExecutable(String exe, String path, Path cwd) {
        if (exe == null || exe.isBlank()) {
            return null;
        }
        if (exe.contains("/")) {
            Path p = cwd.resolve(exe);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? p.toString() : null;
        }
        return onPath(exe, path);
    }

    private static String onPath(String exe, String path) {
        String p = path == null || path.isBlank() ? "/usr/local/bin:/usr/bin:/bin" : path;
        for (String dir : p.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, exe);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    @Override
    public void start(String containerId) {
        Box b = box(containerId);
        synchronized (b) {
            if (b.state == ContainerState.RUNNING) {
                return;
            }
            spawn(b);
        }
        emit(b, ContainerEventType.STARTED, Optional.empty());
    }

    private Map<String, String> environment(Box b) {
        Map<String, String> env = new HashMap<>();
        env.put(
                "PATH",
                Optional.ofNullable(System.getenv("PATH")).orElse("/usr/local/bin:/usr/bin:/bin"));
        Optional.ofNullable(System.getenv("LANG")).ifPresent(v -> env.put("LANG", v));
        Optional.ofNullable(System.getenv("TZ")).ifPresent(v -> env.put("TZ", v));
        env.put("HOME", b.workDir().toString());
        env.put("HOSTNAME", b.spec.name());
        env.putAll(b.spec.environment());
        return env;
    }

    // caller holds b's lock
    private void spawn(Box b) {
        List<String> cmd = new ArrayList<>();
        if (setsid != null) {
            // its own session: no terminal signal of the node reaches it, and its group can be
            // signalled as a whole
            cmd.add(setsid);
        }
        try {
            Files.createDirectories(b.workDir());
            List<Path> procs =
                    cgroups.create(
                            b.id, b.spec.cpuLimit(), b.spec.memoryLimitBytes(), b.spec.pidsLimit());
            if (!procs.isEmpty()) {
                cmd.addAll(List.of("/bin/sh", "-c", CGROUP_SHIM, "hanzo-cgroup"));
                procs.forEach(p -> cmd.add(p.toString()));
                cmd.add("--");
            }
        } catch (IOException e) {
            throw new NodeException(
                    ErrorCode.INTERNAL, "cannot prepare container " + b.id + ": " + e, e);
        }
        if (!b.spec.user().isBlank()) {
            if (setpriv == null) {
                throw new FailedPreconditionException(
                        "user: the process runtime needs setpriv (util-linux) to run as another user");
            }
            String[] ug = b.spec.user().split(":", 2);
            cmd.addAll(
                    List.of(
                            setpriv,
                            "--reuid=" + ug[0],
                            "--regid=" + (ug.length > 1 ? ug[1] : ug[0]),
                            "--clear-groups"));
        }
        cmd.addAll(b.argv);
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .directory(b.workDir().toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(
                                ProcessBuilder.Redirect.appendTo(b.log.stdoutRaw().toFile()))
                        .redirectError(
                                ProcessBuilder.Redirect.appendTo(b.log.stderrRaw().toFile()));
        pb.environment().clear();
        pb.environment().putAll(environment(b));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new FailedPreconditionException(
                    "cannot start "
                            + b.argv.get(0)
                            + " for container "
                            + b.id
                            + ": "
                            + e.getMessage());
        }
        if (b.everStarted) {
            b.restartCount++;
        }
        b.everStarted = true;
        b.process = p;
        b.pid = p.pid();
        b.startTicks = ProcStat.startTicks(b.pid).orElse(-1);
        b.state = ContainerState.RUNNING;
        b.startedAt = clock.instant();
        b.finishedAt = null;
        b.exitCode = null;
        long generation = ++b.generation;
        b.failures = 0;
        b.health =
                b.spec.healthcheck().isPresent() ? ContainerHealth.STARTING : ContainerHealth.NONE;
        persistQuietly(b);
        scheduleHealth(b, generation);
        p.onExit()
                .thenAccept(
                        done ->
                                scheduler.submit(
                                        "exit of " + b.id,
                                        () -> {
                                            exited(b, generation, Optional.of(done.exitValue()));
                                            return null;
                                        }));
    }

    private void exited(Box b, long generation, Optional<Integer> code) {
        synchronized (b) {
            if (b.generation != generation || b.state != ContainerState.RUNNING) {
                return;
            }
            b.state = ContainerState.EXITED;
            b.finishedAt = clock.instant();
            b.exitCode = code.orElse(null);
            b.process = null;
            if (b.healthTask != null) {
                b.healthTask.cancel(false);
            }
            persistQuietly(b);
        }
        try {
            b.log.collect(true);
        } catch (IOException e) {
            logger.warn("Cannot collect the last output of {}: {}", b.id, e.toString());
        }
        b.followers.forEach(LogFollower::containerEnded);
        emit(b, ContainerEventType.DIED, code);
    }

    @Override
    public void stop(String containerId, Duration grace) {
        Box b = box(containerId);
        long generation;
        Process p;
        synchronized (b) {
            if (b.state != ContainerState.RUNNING) {
                return;
            }
            generation = b.generation;
            p = b.process;
        }
        String stopSignal = b.spec.effectiveStopSignal().replaceFirst("^SIG", "");
        if (!grace.isZero()) {
            signal(b, stopSignal);
        }
        if (!waitGone(b, p, grace)) {
            signal(b, "KILL");
            waitGone(b, p, Duration.ofSeconds(10));
        }
        Optional<Integer> code = Optional.empty();
        if (p != null && !p.isAlive()) {
            code = Optional.of(p.exitValue());
        }
        exited(b, generation, code);
    }

    private void signal(Box b, String signal) {
        long pid;
        synchronized (b) {
            pid = b.pid;
        }
        if (!sameProcess(b, pid)) {
            return;
        }
        if (kill != null) {
            // the whole process group when the process has a session of its own
            String target = setsid != null ? "-" + pid : Long.toString(pid);
            try {
                Process k =
                        new ProcessBuilder(kill, "-s", signal, "--", target)
                                .redirectErrorStream(true)
                                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                                .start();
                if (k.waitFor(5, TimeUnit.SECONDS) && k.exitValue() == 0) {
                    return;
                }
            } catch (IOException e) {
                logger.debug("kill -s {} {} failed", signal, target, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        ProcessHandle.of(pid)
                .ifPresent(
                        h -> {
                            if (signal.equals("KILL")) {
                                h.destroyForcibly();
                            } else {
                                h.destroy();
                            }
                        });
    }

    private boolean sameProcess(Box b, long pid) {
        OptionalLong ticks = ProcStat.startTicks(pid);
        synchronized (b) {
            return ticks.isPresent() && (b.startTicks < 0 || ticks.getAsLong() == b.startTicks);
        }
    }

    /** Waits for the container's process to end; false when it still runs after {@code wait}. */
    private boolean waitGone(Box b, Process p, Duration wait) {
        try {
            if (p != null) {
                return p.waitFor(wait.toNanos(), TimeUnit.NANOSECONDS);
            }
            // a re-adopted process is not our child: watch its /proc entry
            long deadline = System.nanoTime() + wait.toNanos();
            long pid;
            synchronized (b) {
                pid = b.pid;
            }
            while (sameProcess(b, pid)) {
                if (System.nanoTime() >= deadline) {
                    return false;
                }
                Thread.sleep(20);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void remove(String containerId, boolean force) {
        Box b = box(containerId);
        synchronized (b) {
            if (b.state == ContainerState.RUNNING && !force) {
                throw new FailedPreconditionException(
                        "container "
                                + containerId
                                + " is running: stop it first, or remove it with force");
            }
        }
        stop(containerId, Duration.ZERO);
        if (containers.remove(containerId) == null) {
            return;
        }
        b.followers.forEach(LogFollower::containerEnded);
        b.log.close();
        cgroups.remove(b.id);
        deleteTree(b.dir);
        emit(b, ContainerEventType.REMOVED, Optional.empty());
    }

    @Override
    public ContainerStatus inspect(String containerId) {
        return status(box(containerId));
    }

    @Override
    public List<ContainerStatus> list(Map<String, String> labelFilters) {
        List<ContainerStatus> list = new ArrayList<>();
        for (Box b : containers.values()) {
            if (matches(b.spec.labels(), labelFilters)) {
                list.add(status(b));
            }
        }
        list.sort(Comparator.comparing(ContainerStatus::createdAt));
        return list;
    }

    private static boolean matches(Map<String, String> labels, Map<String, String> filters) {
        for (Map.Entry<String, String> f : filters.entrySet()) {
            if (!f.getValue().equals(labels.get(f.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private ContainerStatus status(Box b) {
        synchronized (b) {
            String text =
                    switch (b.state) {
                        case RUNNING -> "Up since " + b.startedAt + " (pid " + b.pid + ")";
                        case EXITED ->
                                "Exited ("
                                        + (b.exitCode == null ? "code unknown" : b.exitCode)
                                        + ") at "
                                        + b.finishedAt;
                        default -> "Created";
                    };
            return new ContainerStatus(
                    b.id,
                    b.spec.name(),
                    b.argv.get(0),
                    NAME,
                    b.state,
                    text,
                    b.createdAt,
                    Optional.ofNullable(b.startedAt),
                    Optional.ofNullable(b.finishedAt),
                    Optional.ofNullable(b.exitCode),
                    b.health,
                    b.restartCount,
                    List.of(),
                    b.spec.labels());
        }
    }

    @Override
    public Subscription watch(Map<String, String> labelFilters, StreamSink<ContainerEvent> sink) {
        Watch w =
                new Watch(
                        Map.copyOf(labelFilters),
                        new SinkPump<>(scheduler, "process runtime events", sink));
        watches.add(w);
        return () -> {
            watches.remove(w);
            w.pump().close();
        };
    }

    private void emit(Box b, ContainerEventType type, Optional<Integer> exitCode) {
        ContainerHealth health;
        synchronized (b) {
            health = b.health;
        }
        ContainerEvent e =
                new ContainerEvent(clock.instant(), b.id, type, exitCode, health, b.spec.labels());
        for (Watch w : watches) {
            if (matches(b.spec.labels(), w.filters())) {
                w.pump().offer(e);
            }
        }
    }

    @Override
    public Subscription logs(String containerId, LogOptions options, StreamSink<LogLine> sink) {
        Box b = box(containerId);
        LogFollower f =
                new LogFollower(containerId, b.log, options, sink, scheduler, b.followers::remove);
        if (options.follow()) {
            b.followers.add(f);
            synchronized (b) {
                if (b.state != ContainerState.RUNNING) {
                    f.containerEnded();
                }
            }
        }
        f.start();
        return f;
    }

    @Override
    public ExecSession exec(String containerId, ExecSpec spec, StreamSink<ExecOutput> output) {
        Box b = box(containerId);
        synchronized (b) {
            if (b.state != ContainerState.RUNNING) {
                throw new FailedPreconditionException(
                        "container "
                                + containerId
                                + " is not running ("
                                + b.state.wireName()
                                + ")");
            }
        }
        if (spec.tty() && (script == null || stty == null)) {
            throw new NodeException(
                    ErrorCode.UNIMPLEMENTED,
                    "exec with a tty needs util-linux's script and stty on the node's PATH, which"
                            + " has "
                            + (script == null ? "no script" : "no stty")
                            + ": run exec without tty");
        }
        if (spec.command().isEmpty()) {
            throw new InvalidArgumentException("command: exec needs a command");
        }
        if (spec.columns() < 0 || spec.rows() < 0) {
            throw new InvalidArgumentException("columns, rows: a terminal size is not negative");
        }
        Process p =
                spec.tty()
                        ? startOnTerminal(b, spec)
                        : startCommand(
                                b,
                                spec.command(),
                                spec.environment(),
                                spec.workingDir(),
                                spec.attachStdin());
        ProcessExec session =
                new ProcessExec(
                        p, output, spec.attachStdin(), spec.tty() ? this::resizeTerminal : null);
        session.start(scheduler, "exec in " + containerId);
        return session;
    }

    /**
     * Runs an exec command on a new pseudo-terminal: util-linux's {@code script} opens the pty,
     * runs the command on it as a session of its own and copies between the pty and its standard
     * input and output; its exit code is the command's ({@code -e}). The command starts through
     * {@code sh -c 'stty ...; exec <argv>'} so the terminal has its size before the command looks
     * at it; every argument is single-quoted, so none is interpreted by the shell.
     */
    private Process startOnTerminal(Box b, ExecSpec spec) {
        Map<String, String> env = environment(b);
        env.putAll(spec.environment());
        env.putIfAbsent("TERM", "xterm");
        Path cwd = spec.workingDir().isBlank() ? b.workDir() : Path.of(spec.workingDir());
        String exe = resolveExecutable(spec.command().get(0), env.get("PATH"), cwd);
        if (exe == null) {
            throw new InvalidArgumentException(
                    "command: '" + spec.command().get(0) + "' not found in container " + b.id);
        }
        StringBuilder line = new StringBuilder();
        line.append(shellQuote(stty))
                .append(" rows ")
                .append(spec.rows() > 0 ? spec.rows() : 24)
                .append(" cols ")
                .append(spec.columns() > 0 ? spec.columns() : 80)
                .append(" 2>/dev/null; exec ")
                .append(shellQuote(exe));
        for (String arg : spec.command().subList(1, spec.command().size())) {
            line.append(' ').append(shellQuote(arg));
        }
        // the user's SHELL would run the line: script uses $SHELL -c
        Map<String, String> scriptEnv = new HashMap<>(env);
        scriptEnv.put("SHELL", "/bin/sh");
        ProcessBuilder pb =
                new ProcessBuilder(script, "-q", "-e", "-c", line.toString(), "/dev/null")
                        .directory(cwd.toFile());
        if (!spec.attachStdin()) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        pb.environment().clear();
        pb.environment().putAll(scriptEnv);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new InvalidArgumentException(
                    "command: cannot run '" + spec.command().get(0) + "': " + e.getMessage());
        }
    }

    private static String shellQuote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /**
     * Sets the size of an exec's terminal: {@code stty -F} on the pty that {@code script}'s child
     * has as its standard input; the kernel then sends the command SIGWINCH.
     */
    private void resizeTerminal(Process scriptProcess, int columns, int rows) {
        if (columns <= 0 || rows <= 0) {
            throw new InvalidArgumentException("columns, rows: a terminal size is positive");
        }
        Path pty = null;
        // script opens the pty and forks its child right after it starts: give it a moment
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (pty == null && scriptProcess.isAlive()) {
            pty = terminalOf(scriptProcess);
            if (pty == null) {
                if (System.nanoTime() > deadline) {
                    break;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (pty == null) {
            throw new FailedPreconditionException("the exec's terminal is gone: it has ended");
        }
        try {
            Process p =
                    new ProcessBuilder(
                                    stty,
                                    "-F",
                                    pty.toString(),
                                    "rows",
                                    Integer.toString(rows),
                                    "cols",
                                    Integer.toString(columns))
                            .redirectErrorStream(true)
                            .start();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new FailedPreconditionException(
                        "cannot resize the exec's terminal " + pty + ": " + said.trim());
            }
        } catch (IOException e) {
            throw new FailedPreconditionException("cannot resize the exec's terminal: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FailedPreconditionException("interrupted while resizing the terminal");
        }
    }

    /** The pseudo-terminal one of the process's descendants has as standard input, if any. */
    private static Path terminalOf(Process process) {
        return process.descendants()
                .map(
                        h -> {
                            try {
                                Path in =
                                        Files.readSymbolicLink(
                                                Path.of(
                                                        "/proc",
                                                        Long.toString(h.pid()),
                                                        "fd",
                                                        "0"));
                                return in.startsWith("/dev/pts/") ? in : null;
                            } catch (IOException | UnsupportedOperationException e) {
                                return null;
                            }
                        })
                .filter(java.util.Objects::nonNull)
                .findFirst()
                .orElse(null);
    }

    /** Starts a command next to the container's process: its directory, its environment. */
    private Process startCommand(
            Box b,
            List<String> command,
            Map<String, String> extraEnv,
            String workingDir,
            boolean stdin) {
        Map<String, String> env = environment(b);
        env.putAll(extraEnv);
        Path cwd = workingDir.isBlank() ? b.workDir() : Path.of(workingDir);
        String exe = resolveExecutable(command.get(0), env.get("PATH"), cwd);
        if (exe == null) {
            throw new InvalidArgumentException(
                    "command: '" + command.get(0) + "' not found in container " + b.id);
        }
        List<String> cmd = new ArrayList<>(command);
        cmd.set(0, exe);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        if (!stdin) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }
        pb.environment().clear();
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new InvalidArgumentException(
                    "command: cannot run '" + command.get(0) + "': " + e.getMessage());
        }
    }

    @Override
    public ContainerStats stats(String containerId) {
        Box b = box(containerId);
        long pid;
        Instant started;
        synchronized (b) {
            if (b.state != ContainerState.RUNNING) {
                throw new FailedPreconditionException(
                        "container " + containerId + " is not running");
            }
            pid = b.pid;
            started = b.startedAt;
        }
        long memory = cgroups.memoryUsage(b.id).orElse(ProcStat.residentBytes(pid));
        long ticks = Math.max(0, ProcStat.cpuTicks(pid));
        double seconds =
                Math.max(0.001, Duration.between(started, clock.instant()).toMillis() / 1000.0);
        // average over the process's life; per-process network counters do not exist (0)
        double cpu =
                ticks
                        / (double) CLOCK_TICKS_PER_SECOND
                        / seconds
                        / Runtime.getRuntime().availableProcessors();
        return new ContainerStats(
                clock.instant(), cpu, memory, b.spec.memoryLimitBytes().orElse(0), 0, 0);
    }

    // --- healthchecks

    private void scheduleHealth(Box b, long generation) {
        Optional<ContainerHealthcheck> hc = b.spec.healthcheck();
        if (hc.isEmpty()) {
            return;
        }
        b.healthTask =
                scheduler.schedule(
                        "healthcheck of " + b.id,
                        () ->
                                scheduler.submit(
                                        "healthcheck of " + b.id,
                                        () -> {
                                            check(b, generation, hc.get());
                                            return null;
                                        }),
                        hc.get().interval());
    }

    private void check(Box b, long generation, ContainerHealthcheck hc) {
        synchronized (b) {
            if (b.generation != generation || b.state != ContainerState.RUNNING) {
                return;
            }
        }
        boolean passed = runCheck(b, hc);
        ContainerHealth before;
        ContainerHealth after;
        synchronized (b) {
            if (b.generation != generation || b.state != ContainerState.RUNNING) {
                return;
            }
            before = b.health;
            boolean inStartPeriod =
                    Duration.between(b.startedAt, clock.instant()).compareTo(hc.startPeriod()) < 0;
            if (passed) {
                b.failures = 0;
                b.health = ContainerHealth.HEALTHY;
            } else if (!inStartPeriod) {
                b.failures++;
                if (b.failures >= Math.max(1, hc.retries())) {
                    b.health = ContainerHealth.UNHEALTHY;
                }
            }
            after = b.health;
            scheduleHealth(b, generation);
        }
        if (before != after) {
            emit(b, ContainerEventType.HEALTH, Optional.empty());
        }
    }

    private boolean runCheck(Box b, ContainerHealthcheck hc) {
        List<String> test = hc.test();
        List<String> cmd;
        if (test.isEmpty() || test.get(0).equals("NONE")) {
            return true;
        } else if (test.get(0).equals("CMD-SHELL")) {
            cmd = List.of("/bin/sh", "-c", String.join(" ", test.subList(1, test.size())));
        } else if (test.get(0).equals("CMD")) {
            cmd = test.subList(1, test.size());
        } else {
            cmd = test;
        }
        try {
            Process p = startCommand(b, cmd, Map.of(), "", false);
            p.getOutputStream().close();
            p.getInputStream().close();
            p.getErrorStream().close();
            if (!p.waitFor(hc.timeout().toNanos(), TimeUnit.NANOSECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (NodeException | IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // --- background work

    private void collectAll() {
        long round = ++collectRounds;
        for (Box b : containers.values()) {
            // a container quiet for a while is looked at every fourth round only: an idle node
            // with many containers then costs a quarter of the file checks
            if (b.quietRounds >= QUIET_AFTER_ROUNDS && round % 4 != 0) {
                continue;
            }
            try {
                if (b.log.collect(false)) {
                    b.quietRounds = 0;
                    persistQuietly(b);
                    b.followers.forEach(LogFollower::wake);
                } else {
                    b.quietRounds++;
                }
            } catch (IOException e) {
                logger.warn("Cannot collect the output of container {}: {}", b.id, e.toString());
            }
        }
    }

    private void checkAdopted() {
        for (Box b : containers.values()) {
            long generation;
            long pid;
            synchronized (b) {
                if (b.state != ContainerState.RUNNING || b.process != null) {
                    continue;
                }
                generation = b.generation;
                pid = b.pid;
            }
            if (!sameProcess(b, pid)) {
                scheduler.submit(
                        "exit of " + b.id,
                        () -> {
                            exited(b, generation, Optional.empty());
                            return null;
                        });
            }
        }
    }

    // --- persistence and recovery

    private void persist(Box b) throws IOException {
        Properties p = new Properties();
        synchronized (b) {
            p.setProperty("state", b.state.name());
            p.setProperty("created", b.createdAt.toString());
            p.setProperty("pid", Long.toString(b.pid));
            p.setProperty("startTicks", Long.toString(b.startTicks));
            p.setProperty("restartCount", Integer.toString(b.restartCount));
            p.setProperty("everStarted", Boolean.toString(b.everStarted));
            if (b.startedAt != null) {
                p.setProperty("startedAt", b.startedAt.toString());
            }
            if (b.finishedAt != null) {
                p.setProperty("finishedAt", b.finishedAt.toString());
            }
            if (b.exitCode != null) {
                p.setProperty("exitCode", Integer.toString(b.exitCode));
            }
        }
        p.setProperty("stdoutOffset", Long.toString(b.log.stdoutOffset()));
        p.setProperty("stderrOffset", Long.toString(b.log.stderrOffset()));
        SpecFile.writeState(b.dir.resolve("state.properties"), p);
    }

    private void persistQuietly(Box b) {
        try {
            if (Files.isDirectory(b.dir)) {
                persist(b);
            }
        } catch (IOException e) {
            logger.warn("Cannot record the state of container {}: {}", b.id, e.toString());
        }
    }

    private void recover() {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(root)) {
            dirs = s.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            logger.warn("Cannot list {}: {}", root, e.toString());
            return;
        }
        for (Path dir : dirs) {
            try {
                Path specFile = dir.resolve("spec.bin");
                SpecFile.Stored stored = SpecFile.readSpec(specFile);
                Path stateFile = dir.resolve("state.properties");
                // no state file: created and never started (its spec file's time is its creation)
                Properties p =
                        Files.exists(stateFile) ? SpecFile.readState(stateFile) : new Properties();
                Instant created =
                        p.containsKey("created")
                                ? Instant.parse(p.getProperty("created"))
                                : Files.getLastModifiedTime(specFile).toInstant();
                Box b =
                        new Box(
                                dir.getFileName().toString(),
                                stored.spec(),
                                stored.argv(),
                                created,
                                Long.parseLong(p.getProperty("stdoutOffset", "0")),
                                Long.parseLong(p.getProperty("stderrOffset", "0")));
                b.pid = Long.parseLong(p.getProperty("pid", "-1"));
                b.startTicks = Long.parseLong(p.getProperty("startTicks", "-1"));
                b.restartCount = Integer.parseInt(p.getProperty("restartCount", "0"));
                b.everStarted = Boolean.parseBoolean(p.getProperty("everStarted", "false"));
                b.startedAt =
                        Optional.ofNullable(p.getProperty("startedAt"))
                                .map(Instant::parse)
                                .orElse(null);
                b.finishedAt =
                        Optional.ofNullable(p.getProperty("finishedAt"))
                                .map(Instant::parse)
                                .orElse(null);
                b.exitCode =
                        Optional.ofNullable(p.getProperty("exitCode"))
                                .map(Integer::valueOf)
                                .orElse(null);
                b.state = ContainerState.valueOf(p.getProperty("state", "CREATED"));
                if (b.state == ContainerState.RUNNING) {
                    OptionalLong ticks = ProcStat.startTicks(b.pid);
                    if (ticks.isPresent()
                            && b.startTicks >= 0
                            && ticks.getAsLong() == b.startTicks) {
                        b.generation = 1;
                        b.health =
                                stored.spec().healthcheck().isPresent()
                                        ? ContainerHealth.STARTING
                                        : ContainerHealth.NONE;
                        scheduleHealth(b, b.generation);
                        logger.info("Re-adopted container {} (pid {})", b.id, b.pid);
                    } else {
                        // gone while the node was down, or its pid now names another process
                        b.state = ContainerState.EXITED;
                        b.finishedAt = clock.instant();
                        b.exitCode = null;
                        persist(b);
                        logger.info(
                                "Container {} (pid {}) ended while the node was down", b.id, b.pid);
                    }
                }
                containers.put(b.id, b);
            } catch (IOException | RuntimeException e) {
                logger.warn(
                        "Cannot recover the container in {}: {}; left as it is", dir, e.toString());
            }
        }
    }

    private Box box(String containerId) {
        Box b = containers.get(containerId);
        if (b == null) {
            throw new NotFoundException("container " + containerId + " not found");
        }
        return b;
    }

    private void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            logger.warn("Cannot delete {}: {}", dir, e.toString());
        }
    }
}
