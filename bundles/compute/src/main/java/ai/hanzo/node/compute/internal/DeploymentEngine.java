package ai.hanzo.node.compute.internal;

import ai.hanzo.node.api.AlreadyExistsException;
import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.NotFoundException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.compute.ContainerRecord;
import ai.hanzo.node.api.compute.DependencyCondition;
import ai.hanzo.node.api.compute.Deployment;
import ai.hanzo.node.api.compute.DeploymentOptions;
import ai.hanzo.node.api.compute.DeploymentRequest;
import ai.hanzo.node.api.compute.DeploymentResult;
import ai.hanzo.node.api.compute.DeploymentState;
import ai.hanzo.node.api.compute.DeploymentStatus;
import ai.hanzo.node.api.compute.LogQuery;
import ai.hanzo.node.api.compute.Orchestrator;
import ai.hanzo.node.api.compute.RuntimeInfo;
import ai.hanzo.node.api.compute.ScaleResult;
import ai.hanzo.node.api.compute.ServiceDependency;
import ai.hanzo.node.api.compute.ServiceSpec;
import ai.hanzo.node.api.compute.ServiceStatus;
import ai.hanzo.node.api.event.EventTypes;
import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.runtime.ContainerEvent;
import ai.hanzo.node.api.runtime.ContainerEventType;
import ai.hanzo.node.api.runtime.ContainerRuntime;
import ai.hanzo.node.api.runtime.ContainerSpec;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.runtime.ExecOutput;
import ai.hanzo.node.api.runtime.ExecSession;
import ai.hanzo.node.api.runtime.ExecSpec;
import ai.hanzo.node.api.runtime.LimitKind;
import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.PortMapping;
import ai.hanzo.node.api.runtime.PullProgress;
import ai.hanzo.node.api.runtime.StreamSink;
import ai.hanzo.node.api.store.NodeStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The orchestrator: validates requests, records the desired state in the {@link NodeStore} before
 * answering, and reconciles each deployment's containers towards it on the scheduler's workers, one
 * deployment at a time (a deployment's reconciliations never overlap). Reconciliation is driven by
 * runtime container events, by the operator's requests, by restart back-off timers and by a slow
 * periodic resync; it never polls per container.
 *
 * <p>Containers carry the labels {@value #LABEL_DEPLOYMENT}, {@value #LABEL_SERVICE} and {@value
 * #LABEL_REPLICA}: after a restart of the node the reconciler finds them by these labels, adopts
 * them and never runs two containers for one replica.
 */
public final class DeploymentEngine implements Orchestrator, AutoCloseable {
    /** The label that names a container's deployment. */
    public static final String LABEL_DEPLOYMENT = "hanzo.deployment";

    /** The label that names a container's service. */
    public static final String LABEL_SERVICE = "hanzo.service";

    /** The label that carries a container's replica index. */
    public static final String LABEL_REPLICA = "hanzo.replica";

    /** The label every container of the node carries. */
    public static final String LABEL_MANAGED = "hanzo.managed";

    private static final String RUNTIME_GONE = "runtime unavailable: ";
    private static final Duration SELF_TEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration PULL_TIMEOUT = Duration.ofMinutes(10);
    private static final int FAILURES_BEFORE_FAILED = 3;

    /**
     * Tunables.
     *
     * @param maxReplicas the most replicas one service may ask for
     * @param drainGrace how long a drain lets containers stop before killing them
     * @param resyncInterval how often every deployment is reconciled without a cause
     * @param runtimeCheckInterval how often the runtimes' self-tests run again
     */
    public record Settings(
            int maxReplicas,
            Duration drainGrace,
            Duration resyncInterval,
            Duration runtimeCheckInterval) {
        /**
         * @return 100 replicas, 30 s drain grace, resync every 30 s, self-tests every 30 s
         */
        public static Settings defaults() {
            return new Settings(
                    100, Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(30));
        }
    }

    private final Logger logger = LoggerFactory.getLogger(DeploymentEngine.class);
    private final NodeStore store;
    private final NodeScheduler scheduler;
    private final Consumer<NodeEvent> events;
    private final BooleanSupplier nodeDraining;
    private final Clock clock;
    private final Settings settings;
    private final Map<String, RuntimeSlot> runtimes = new ConcurrentHashMap<>();
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();
    private final List<Consumer<ContainerEvent>> containerListeners = new CopyOnWriteArrayList<>();
    private final Object deployLock = new Object();
    private final ScheduledFuture<?> resync;
    private final ScheduledFuture<?> runtimeCheck;
    private volatile boolean draining;
    private volatile boolean closed;

    /** A runtime the engine knows, its last self-test and its event watch. */
    private static final class RuntimeSlot {
        final ContainerRuntime runtime;
        volatile Availability availability = Availability.unavailable("self-test not run yet");
        volatile Subscription watch;

        RuntimeSlot(ContainerRuntime runtime) {
            this.runtime = runtime;
        }

        boolean available() {
            return availability.available();
        }
    }

    /** Per deployment: the reconcile loop's flags and what it remembers between runs. */
    private static final class Slot {
        final AtomicBoolean running = new AtomicBoolean();
        final AtomicBoolean dirty = new AtomicBoolean();
        final Map<String, Backoff> backoff = new ConcurrentHashMap<>();
        volatile boolean forceStop;
        volatile ScheduledFuture<?> retry;
        int failures;
        final Object lock = new Object();
    }

    /** A container's restart history. */
    private static final class Backoff {
        Duration delay;
        Instant notBefore;
        Instant seenExit;
        int restarts;
    }

    /**
     * @param store where desired state is kept
     * @param scheduler runs reconciliations and timers
     * @param events receives every node event the engine emits
     * @param nodeDraining whether the node as a whole is draining
     * @param clock the clock
     * @param settings tunables
     */
    public DeploymentEngine(
            NodeStore store,
            NodeScheduler scheduler,
            Consumer<NodeEvent> events,
            BooleanSupplier nodeDraining,
            Clock clock,
            Settings settings) {
        this.store = store;
        this.scheduler = scheduler;
        this.events = events;
        this.nodeDraining = nodeDraining;
        this.clock = clock;
        this.settings = settings;
        this.resync =
                scheduler.scheduleWithFixedDelay(
                        "deployment resync",
                        () -> store.deployments().forEach(d -> request(d.id())),
                        settings.resyncInterval(),
                        settings.resyncInterval());
        this.runtimeCheck =
                scheduler.scheduleWithFixedDelay(
                        "runtime self-tests",
                        () -> runtimes.values().forEach(this::selfTestAsync),
                        settings.runtimeCheckInterval(),
                        settings.runtimeCheckInterval());
    }

    @Override
    public void close() {
        closed = true;
        resync.cancel(false);
        runtimeCheck.cancel(false);
        // let reconciliations in flight finish, so none creates a container after close
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (slots.values().stream().anyMatch(sl -> sl.running.get())
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (RuntimeSlot rs : runtimes.values()) {
            Subscription w = rs.watch;
            if (w != null) {
                w.close();
            }
        }
        for (Slot s : slots.values()) {
            ScheduledFuture<?> r = s.retry;
            if (r != null) {
                r.cancel(false);
            }
        }
    }

    // --- runtimes

    /**
     * A runtime appeared: self-test it, watch its containers, and reconcile the deployments on it.
     *
     * @param runtime the runtime
     */
    public void addRuntime(ContainerRuntime runtime) {
        String name = runtime.name();
        RuntimeSlot rs = new RuntimeSlot(runtime);
        runtimes.put(name, rs);
        publish(
                EventTypes.PLUGIN,
                "runtime",
                name,
                "runtime " + name + " registered",
                Map.of("kind", "runtime", "name", name, "action", "added"));
        selfTestAsync(rs);
    }

    /**
     * A runtime went away: its deployments are marked failed until it returns.
     *
     * @param runtime the runtime
     */
    public void removeRuntime(ContainerRuntime runtime) {
        String name = runtime.name();
        RuntimeSlot rs = runtimes.get(name);
        if (rs == null || rs.runtime != runtime) {
            return;
        }
        runtimes.remove(name);
        Subscription w = rs.watch;
        if (w != null) {
            w.close();
        }
        publish(
                EventTypes.PLUGIN,
                "runtime",
                name,
                "runtime " + name + " left",
                Map.of("kind", "runtime", "name", name, "action", "removed"));
        requestOn(name);
    }

    private void selfTestAsync(RuntimeSlot rs) {
        scheduler
                .submit(
                        "self-test of runtime " + rs.runtime.name(),
                        rs.runtime::selfTest,
                        SELF_TEST_TIMEOUT)
                .whenComplete(
                        (a, e) -> {
                            Availability next =
                                    e != null
                                            ? Availability.unavailable(
                                                    "self-test failed: " + e.getMessage())
                                            : a;
                            boolean changed = next.available() != rs.availability.available();
                            rs.availability = next;
                            if (next.available() && rs.watch == null) {
                                startWatch(rs);
                            }
                            if (changed) {
                                logger.info(
                                        "Runtime {} is {}{}",
                                        rs.runtime.name(),
                                        next.available() ? "available" : "unavailable",
                                        next.available() ? "" : ": " + next.reason());
                                requestOn(rs.runtime.name());
                            }
                        });
    }

    private void startWatch(RuntimeSlot rs) {
        try {
            rs.watch =
                    rs.runtime.watch(
                            Map.of(LABEL_MANAGED, "true"),
                            new StreamSink<>() {
                                @Override
                                public void next(ContainerEvent e) {
                                    containerEvent(e);
                                }

                                @Override
                                public void complete() {
                                    rs.watch = null;
                                }

                                @Override
                                public void error(Throwable failure) {
                                    // the periodic resync keeps deployments right meanwhile
                                    logger.warn(
                                            "Watching runtime {} failed: {}",
                                            rs.runtime.name(),
                                            failure.toString());
                                    rs.watch = null;
                                }
                            });
        } catch (RuntimeException e) {
            logger.warn("Cannot watch runtime {}: {}", rs.runtime.name(), e.toString());
        }
    }

    private void containerEvent(ContainerEvent e) {
        String deploymentId = e.labels().get(LABEL_DEPLOYMENT);
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("action", e.type().wireName());
        if (deploymentId != null) {
            attributes.put("deployment", deploymentId);
            attributes.put("service", e.labels().getOrDefault(LABEL_SERVICE, ""));
            attributes.put("replica", e.labels().getOrDefault(LABEL_REPLICA, ""));
        }
        e.exitCode().ifPresent(c -> attributes.put("exit_code", Integer.toString(c)));
        if (e.type() == ContainerEventType.HEALTH) {
            attributes.put("health", e.health().wireName());
        }
        publish(
                EventTypes.CONTAINER,
                "container",
                e.containerId(),
                "container " + e.containerId() + " " + e.type().wireName(),
                attributes);
        for (Consumer<ContainerEvent> l : containerListeners) {
            l.accept(e);
        }
        if (deploymentId != null) {
            request(deploymentId);
        }
    }

    private void requestOn(String runtimeName) {
        for (Deployment d : store.deployments()) {
            if (runtimeName.equals(d.options().runtime().orElse(""))) {
                request(d.id());
            }
        }
    }

    // --- reconcile scheduling

    /**
     * Asks for the deployment to be reconciled soon; requests while one runs fold into one more
     * run.
     *
     * @param deploymentId the deployment
     */
    void request(String deploymentId) {
        if (closed) {
            return;
        }
        Slot s = slots.computeIfAbsent(deploymentId, k -> new Slot());
        s.dirty.set(true);
        if (s.running.compareAndSet(false, true)) {
            submitLoop(deploymentId, s);
        }
    }

    private void submitLoop(String deploymentId, Slot s) {
        scheduler
                .submit("reconcile " + deploymentId, () -> loop(deploymentId, s))
                .exceptionally(
                        e -> {
                            s.running.set(false);
                            logger.warn("Cannot reconcile {}: {}", deploymentId, e.toString());
                            retryLater(deploymentId, s, Duration.ofSeconds(1));
                            return null;
                        });
    }

    private Void loop(String deploymentId, Slot s) {
        try {
            while (!closed && s.dirty.getAndSet(false)) {
                try {
                    reconcile(deploymentId, s);
                    s.failures = 0;
                } catch (RuntimeException e) {
                    s.failures++;
                    logger.warn(
                            "Reconciling deployment {} failed ({} in a row): {}",
                            deploymentId,
                            s.failures,
                            e.toString());
                    if (s.failures >= FAILURES_BEFORE_FAILED) {
                        failActive(deploymentId, e.getMessage());
                    } else {
                        retryLater(deploymentId, s, Duration.ofSeconds(s.failures));
                    }
                }
            }
        } finally {
            s.running.set(false);
            if (s.dirty.get() && !closed && s.running.compareAndSet(false, true)) {
                submitLoop(deploymentId, s);
            }
        }
        return null;
    }

    private void retryLater(String deploymentId, Slot s, Duration delay) {
        ScheduledFuture<?> previous = s.retry;
        if (previous != null && !previous.isDone()) {
            long left = previous.getDelay(TimeUnit.NANOSECONDS);
            if (left <= delay.toNanos()) {
                return;
            }
            previous.cancel(false);
        }
        s.retry =
                scheduler.schedule(
                        "reconcile " + deploymentId + " later", () -> request(deploymentId), delay);
    }

    private void failActive(String deploymentId, String why) {
        Slot s = slots.computeIfAbsent(deploymentId, k -> new Slot());
        synchronized (s.lock) {
            store.deployment(deploymentId)
                    .filter(d -> d.state().active())
                    .ifPresent(d -> transition(d, DeploymentState.FAILED, why));
        }
    }

    // --- the reconciler

    private void reconcile(String id, Slot s) {
        Optional<Deployment> found = store.deployment(id);
        if (found.isEmpty()) {
            slots.remove(id);
            return;
        }
        Deployment d = found.get();
        String runtimeName = d.options().runtime().orElse("");
        RuntimeSlot rs = runtimes.get(runtimeName);
        if (rs == null || !rs.available()) {
            String why =
                    RUNTIME_GONE
                            + runtimeName
                            + (rs == null ? " is not installed" : ": " + rs.availability.reason());
            if (d.state() == DeploymentState.REMOVING) {
                // nothing can be removed from a runtime that is gone: forget the deployment
                logger.warn(
                        "Removing deployment {} while runtime {} is unavailable; its containers"
                                + " there are left",
                        id,
                        runtimeName);
                store.containersOf(id).forEach(c -> store.deleteContainer(c.id()));
                deleteDeployment(d);
            } else if (d.state().active() || d.state() == DeploymentState.STOPPING) {
                transitionIf(d, DeploymentState.FAILED, why);
            }
            return;
        }
        ContainerRuntime runtime = rs.runtime;
        List<ContainerStatus> actual = runtime.list(Map.of(LABEL_DEPLOYMENT, id));
        syncRecords(d, runtimeName, actual);
        switch (d.state()) {
            case REMOVING -> {
                retire(runtime, d, actual);
                deleteDeployment(d);
            }
            case STOPPING, STOPPED -> {
                boolean force = s.forceStop;
                // every replica gets its stop signal at once: the grace periods overlap
                ParallelTasks.runAll(
                        scheduler,
                        "stop containers of " + id,
                        actual.stream()
                                .filter(c -> c.state() == ContainerState.RUNNING)
                                .<Runnable>map(c -> () -> stopContainer(runtime, d, c, force))
                                .toList());
                if (d.state() == DeploymentState.STOPPING) {
                    transitionIf(d, DeploymentState.STOPPED, "stopped");
                }
            }
            case FAILED -> {
                if (d.message().startsWith(RUNTIME_GONE)) {
                    // its runtime is back
                    Deployment back =
                            transitionIf(
                                    d,
                                    DeploymentState.CREATING,
                                    "runtime " + runtimeName + " is back");
                    if (back != null) {
                        converge(back, runtime, actual, s);
                    }
                }
            }
            default -> {
                if (!draining && !nodeDraining.getAsBoolean()) {
                    Deployment current = d;
                    if (d.state() == DeploymentState.PENDING) {
                        current = transitionIf(d, DeploymentState.CREATING, "creating containers");
                        if (current == null) {
                            return;
                        }
                    }
                    converge(current, runtime, actual, s);
                }
            }
        }
    }

    /** Keeps the store's container records in step with what the runtime reports. */
    private void syncRecords(Deployment d, String runtimeName, List<ContainerStatus> actual) {
        Map<String, ContainerRecord> records = new HashMap<>();
        store.containersOf(d.id()).forEach(r -> records.put(r.id(), r));
        for (ContainerStatus c : actual) {
            ContainerRecord r = records.remove(c.id());
            if (r != null && r.state() != c.state()) {
                store.putContainer(r.withState(c.state()));
            } else if (r == null) {
                store.putContainer(
                        new ContainerRecord(
                                c.id(),
                                d.id(),
                                c.labels().getOrDefault(LABEL_SERVICE, ""),
                                replica(c),
                                runtimeName,
                                c.name(),
                                c.image(),
                                c.state(),
                                c.createdAt(),
                                c.ports().stream().map(PortMapping::toString).toList(),
                                c.labels()));
            }
        }
        records.keySet().forEach(store::deleteContainer);
    }

    private static int replica(ContainerStatus c) {
        try {
            return Integer.parseInt(c.labels().getOrDefault(LABEL_REPLICA, "-1"));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Drives an active deployment's containers to its desired replicas. */
    private void converge(
            Deployment d, ContainerRuntime runtime, List<ContainerStatus> actual, Slot s) {
        Map<String, List<ContainerStatus>> byService = new HashMap<>();
        for (ContainerStatus c : actual) {
            byService
                    .computeIfAbsent(
                            c.labels().getOrDefault(LABEL_SERVICE, ""), k -> new ArrayList<>())
                    .add(c);
        }
        // containers of services no longer in the spec
        List<ContainerStatus> orphans = new ArrayList<>();
        for (Map.Entry<String, List<ContainerStatus>> e : byService.entrySet()) {
            if (!d.spec().services().containsKey(e.getKey())) {
                orphans.addAll(e.getValue());
            }
        }
        retire(runtime, d, orphans);
        String failure = null;
        Instant now = clock.instant();
        Instant nextRetry = null;
        for (String name : DeploymentValidator.startOrder(d.spec())) {
            ServiceSpec service = d.spec().services().get(name);
            int desired = desired(d, name);
            RestartPolicy policy =
                    RestartPolicy.parse("services." + name + ".restart", service.restart());
            List<ContainerStatus> list = new ArrayList<>(byService.getOrDefault(name, List.of()));
            // running first, then the newest: the one kept when two claim a replica
            list.sort(
                    Comparator.comparing((ContainerStatus c) -> c.state() != ContainerState.RUNNING)
                            .thenComparing(ContainerStatus::createdAt, Comparator.reverseOrder()));
            Map<Integer, ContainerStatus> byReplica = new HashMap<>();
            List<ContainerStatus> surplus = new ArrayList<>();
            for (ContainerStatus c : list) {
                int idx = replica(c);
                if (idx < 0 || idx >= desired || byReplica.containsKey(idx)) {
                    // scaled down, or a duplicate of a replica: never two for one
                    surplus.add(c);
                    s.backoff.remove(c.id());
                } else {
                    byReplica.put(idx, c);
                }
            }
            retire(runtime, d, surplus);
            if (!dependenciesMet(d, service, byService)) {
                continue;
            }
            // missing replicas are created and started side by side
            List<Runnable> starts = new ArrayList<>();
            for (int idx = 0; idx < desired; idx++) {
                ContainerStatus c = byReplica.get(idx);
                if (c == null) {
                    int replica = idx;
                    starts.add(() -> createAndStart(d, runtime, name, service, replica));
                    continue;
                }
                switch (c.state()) {
                    case CREATED -> starts.add(() -> runtime.start(c.id()));
                    case EXITED, DEAD -> {
                        Backoff b = s.backoff.computeIfAbsent(c.id(), this::backoff);
                        if (!policy.restarts(c.exitCode(), b.restarts)) {
                            if (policy.mode() == RestartPolicy.Mode.ON_FAILURE
                                    && c.exitCode().map(x -> x != 0).orElse(true)) {
                                failure =
                                        "service "
                                                + name
                                                + " replica "
                                                + idx
                                                + " exited with code "
                                                + c.exitCode()
                                                        .map(String::valueOf)
                                                        .orElse("unknown")
                                                + " after "
                                                + b.restarts
                                                + " restart(s)";
                            }
                            continue;
                        }
                        Instant exit = c.finishedAt().orElse(now);
                        if (!exit.equals(b.seenExit)) {
                            b.seenExit = exit;
                            Duration ran =
                                    c.startedAt()
                                            .map(st -> Duration.between(st, exit))
                                            .orElse(Duration.ZERO);
                            b.delay = RestartPolicy.nextDelay(b.delay, ran);
                            b.notBefore = now.plus(b.delay);
                        }
                        if (!now.isBefore(b.notBefore)) {
                            b.restarts++;
                            // counted in the store before the start: a node that dies now still
                            // knows this restart when it comes back
                            int restarts = b.restarts;
                            store.container(c.id())
                                    .ifPresent(r -> store.putContainer(r.withRestarts(restarts)));
                            logger.info(
                                    "Restarting container {} of {}/{} (restart {}, exit code {})",
                                    c.id(),
                                    d.id(),
                                    name,
                                    b.restarts,
                                    c.exitCode().map(String::valueOf).orElse("unknown"));
                            runtime.start(c.id());
                        } else if (nextRetry == null || b.notBefore.isBefore(nextRetry)) {
                            nextRetry = b.notBefore;
                        }
                    }
                    default -> {
                        // running, paused or restarting: nothing to do
                    }
                }
            }
            ParallelTasks.runAll(scheduler, "start replicas of " + d.id() + "/" + name, starts);
        }
        if (nextRetry != null) {
            retryLater(d.id(), s, Duration.between(now, nextRetry).plusMillis(1));
        }
        if (failure != null) {
            transitionIf(d, DeploymentState.FAILED, failure);
            return;
        }
        // readiness only: the restart counts the store keeps are not read for it
        DeploymentStatus st = status(d, runtime.list(Map.of(LABEL_DEPLOYMENT, d.id())), false);
        if (st.readyReplicas() >= st.replicas() && d.state() != DeploymentState.RUNNING) {
            transitionIf(
                    d,
                    DeploymentState.RUNNING,
                    "all " + st.replicas() + " replica(s) ready" + limitsNote(d, runtime));
        }
    }

    /** A container's restart history, starting from the count its store record kept. */
    private Backoff backoff(String containerId) {
        Backoff b = new Backoff();
        b.restarts = store.container(containerId).map(ContainerRecord::restarts).orElse(0);
        return b;
    }

    private int desired(Deployment d, String service) {
        return d.replicas().getOrDefault(service, d.spec().services().get(service).replicas());
    }

    private boolean dependenciesMet(
            Deployment d, ServiceSpec service, Map<String, List<ContainerStatus>> byService) {
        for (Map.Entry<String, ServiceDependency> e : service.dependsOn().entrySet()) {
            if (!d.spec().services().containsKey(e.getKey())) {
                continue;
            }
            int want = desired(d, e.getKey());
            List<ContainerStatus> deps = byService.getOrDefault(e.getKey(), List.of());
            DependencyCondition cond = e.getValue().condition();
            long met =
                    deps.stream()
                            .filter(
                                    c ->
                                            switch (cond) {
                                                case SERVICE_STARTED ->
                                                        c.state() == ContainerState.RUNNING
                                                                || c.startedAt().isPresent();
                                                case SERVICE_HEALTHY -> c.ready();
                                                case SERVICE_COMPLETED_SUCCESSFULLY ->
                                                        c.state() == ContainerState.EXITED
                                                                && c.exitCode().orElse(-1) == 0;
                                            })
                            .count();
            if (met < want) {
                return false;
            }
        }
        return true;
    }

    /** Stops and removes containers, all at once: their stop grace periods overlap. */
    private void retire(ContainerRuntime runtime, Deployment d, List<ContainerStatus> containers) {
        ParallelTasks.runAll(
                scheduler,
                "remove containers of " + d.id(),
                containers.stream()
                        .<Runnable>map(
                                c ->
                                        () -> {
                                            stopContainer(runtime, d, c, false);
                                            removeContainer(runtime, c);
                                        })
                        .toList());
    }

    private void createAndStart(
            Deployment d, ContainerRuntime runtime, String name, ServiceSpec service, int idx) {
        ContainerSpec spec = containerSpec(d, name, service, idx);
        Instant created = clock.instant();
        String id = runtime.create(spec);
        ContainerState state = ContainerState.CREATED;
        try {
            runtime.start(id);
            state = ContainerState.RUNNING;
        } finally {
            // one record write per new replica (a node that dies before it finds the container
            // by its labels and records it then)
            store.putContainer(
                    new ContainerRecord(
                            id,
                            d.id(),
                            name,
                            idx,
                            runtime.name(),
                            spec.name(),
                            spec.image(),
                            state,
                            created,
                            spec.ports().stream().map(PortMapping::toString).toList(),
                            spec.labels()));
        }
    }

    /** What a runtime gets for one replica of a service. */
    ContainerSpec containerSpec(Deployment d, String name, ServiceSpec s, int idx) {
        String f = "services." + name;
        Map<String, String> env = new LinkedHashMap<>(d.environment());
        env.putAll(s.environment());
        Map<String, String> labels = new LinkedHashMap<>(d.options().labels());
        labels.putAll(s.labels());
        labels.put(LABEL_MANAGED, "true");
        labels.put(LABEL_DEPLOYMENT, d.id());
        labels.put(LABEL_SERVICE, name);
        labels.put(LABEL_REPLICA, Integer.toString(idx));
        List<PortMapping> ports = new ArrayList<>();
        for (int i = 0; i < s.ports().size(); i++) {
            ports.add(ComposeValues.port(f + ".ports[" + i + "]", s.ports().get(i)));
        }
        List<ai.hanzo.node.api.runtime.VolumeMount> mounts = new ArrayList<>();
        for (int i = 0; i < s.volumes().size(); i++) {
            mounts.add(DeploymentValidator.volume(f + ".volumes[" + i + "]", s.volumes().get(i)));
        }
        return new ContainerSpec(
                d.id() + "-" + name + "-" + idx + "-" + nameSuffix(),
                s.image(),
                s.entrypoint(),
                s.command(),
                env,
                s.workingDir(),
                s.user(),
                s.stopSignal().isBlank()
                        ? ""
                        : "SIG" + ComposeValues.signal(f + ".stop_signal", s.stopSignal()),
                ports,
                mounts,
                s.networks(),
                labels,
                DeploymentValidator.cpus(
                        f + ".deploy.resources.limits.cpus", s, d.options().resourceLimits()),
                DeploymentValidator.memory(
                        f + ".deploy.resources.limits.memory", s, d.options().resourceLimits()),
                OptionalLong.empty(),
                s.devices(),
                s.healthcheck()
                        .flatMap(h -> DeploymentValidator.healthcheck(f + ".healthcheck", h)));
    }

    /** Four hex digits that tell two containers of one replica apart (not a secret). */
    private static String nameSuffix() {
        return String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
    }

    private Duration stopGrace(Deployment d, ContainerStatus c) {
        ServiceSpec s = d.spec().services().get(c.labels().getOrDefault(LABEL_SERVICE, ""));
        Duration grace =
                s == null
                        ? DeploymentValidator.STOP_GRACE
                        : ComposeValues.duration(
                                "stop_grace_period",
                                s.stopGracePeriod(),
                                DeploymentValidator.STOP_GRACE);
        return grace;
    }

    private void stopContainer(
            ContainerRuntime runtime, Deployment d, ContainerStatus c, boolean force) {
        if (c.state() != ContainerState.RUNNING) {
            return;
        }
        try {
            runtime.stop(c.id(), force ? Duration.ZERO : stopGrace(d, c));
        } catch (NotFoundException e) {
            // gone already
        }
    }

    private void removeContainer(ContainerRuntime runtime, ContainerStatus c) {
        try {
            runtime.remove(c.id(), true);
        } catch (NotFoundException e) {
            // gone already
        }
        store.deleteContainer(c.id());
    }

    private void deleteDeployment(Deployment d) {
        store.containersOf(d.id()).forEach(c -> store.deleteContainer(c.id()));
        store.deleteDeployment(d.id());
        slots.remove(d.id());
        publish(
                EventTypes.DEPLOYMENT_STATE,
                "deployment",
                d.id(),
                "deployment " + d.id() + " removed",
                Map.of("state", "removed", "previous", d.state().wireName()));
    }

    private String limitsNote(Deployment d, ContainerRuntime runtime) {
        List<ContainerSpec> specs = new ArrayList<>();
        for (Map.Entry<String, ServiceSpec> e : d.spec().services().entrySet()) {
            try {
                specs.add(containerSpec(d, e.getKey(), e.getValue(), 0));
            } catch (InvalidArgumentException ex) {
                // reported where the spec is built
            }
        }
        return limitsNote(specs, runtime);
    }

    /** "; limits not enforced: ..." for the limits these containers ask and the runtime lacks. */
    private static String limitsNote(List<ContainerSpec> specs, ContainerRuntime runtime) {
        List<String> asked = new ArrayList<>();
        Map<LimitKind, String> no = runtime.unenforceableLimits();
        for (ContainerSpec cs : specs) {
            if (cs.memoryLimitBytes().isPresent() && no.containsKey(LimitKind.MEMORY)) {
                asked.add("memory (" + no.get(LimitKind.MEMORY) + ")");
            }
            if (cs.cpuLimit().isPresent() && no.containsKey(LimitKind.CPU)) {
                asked.add("cpu (" + no.get(LimitKind.CPU) + ")");
            }
            if (!cs.devices().isEmpty() && no.containsKey(LimitKind.DEVICES)) {
                asked.add("devices (" + no.get(LimitKind.DEVICES) + ")");
            }
        }
        return asked.isEmpty()
                ? ""
                : "; limits not enforced: " + String.join(", ", asked.stream().distinct().toList());
    }

    // --- state changes

    /**
     * Applies a reconciler's transition unless an operator's request changed the deployment since
     * it was read (then the request's own reconciliation decides).
     *
     * @return the deployment after the transition, or null when it was changed meanwhile
     */
    private Deployment transitionIf(Deployment read, DeploymentState next, String why) {
        Slot s = slots.computeIfAbsent(read.id(), k -> new Slot());
        synchronized (s.lock) {
            Optional<Deployment> now = store.deployment(read.id());
            if (now.isEmpty()
                    || now.get().state() != read.state()
                    || !now.get().replicas().equals(read.replicas())) {
                return null;
            }
            if (read.state() == next) {
                return now.get();
            }
            return transition(now.get(), next, why);
        }
    }

    // caller holds the slot's lock
    private Deployment transition(Deployment d, DeploymentState next, String why) {
        Deployment n = d.withState(next, why, clock.instant());
        store.putDeployment(n);
        if (next == DeploymentState.FAILED) {
            logger.warn("Deployment {} failed: {}", d.id(), why);
        } else {
            logger.info("Deployment {} is {}: {}", d.id(), next.wireName(), why);
        }
        publish(
                EventTypes.DEPLOYMENT_STATE,
                "deployment",
                d.id(),
                "deployment " + d.id() + " is " + next.wireName() + ": " + why,
                Map.of("state", next.wireName(), "previous", d.state().wireName()));
        return n;
    }

    private void publish(
            String type,
            String resourceType,
            String id,
            String message,
            Map<String, String> attributes) {
        try {
            events.accept(
                    new NodeEvent(clock.instant(), type, resourceType, id, message, attributes));
        } catch (RuntimeException e) {
            logger.debug("Publishing an event failed", e);
        }
    }

    // --- the Orchestrator API

    @Override
    public DeploymentResult deploy(DeploymentRequest request) {
        refuseWhileDraining();
        List<String> order = DeploymentValidator.validate(request, settings.maxReplicas());
        String runtimeName = chooseRuntime(request);
        ContainerRuntime runtime = runtimes.get(runtimeName).runtime;
        Map<String, String> labels = new LinkedHashMap<>(request.options().labels());
        labels.put(DeploymentOptions.RUNTIME_LABEL, runtimeName);
        DeploymentOptions options =
                new DeploymentOptions(
                        request.options().namespace(),
                        request.options().environment(),
                        labels,
                        request.options().resourceLimits());
        String id =
                request.deploymentId().isBlank()
                        ? UUID.randomUUID().toString()
                        : request.deploymentId();
        Map<String, Integer> replicas = new LinkedHashMap<>();
        for (String name : order) {
            replicas.put(name, request.spec().services().get(name).replicas());
        }
        Instant now = clock.instant();
        String name =
                !request.name().isBlank()
                        ? request.name()
                        : !request.spec().name().isBlank() ? request.spec().name() : id;
        Deployment d =
                new Deployment(
                        id,
                        name,
                        request.spec(),
                        request.environment(),
                        options,
                        replicas,
                        DeploymentState.PENDING,
                        "accepted",
                        now,
                        now);
        // every container spec must build (limits, ports, healthchecks) and every image be there
        List<String> endpoints = new ArrayList<>();
        List<ContainerSpec> specs = new ArrayList<>();
        for (String service : order) {
            ContainerSpec cs = containerSpec(d, service, request.spec().services().get(service), 0);
            specs.add(cs);
            ensureImage(runtime, service, cs);
            for (PortMapping p : cs.ports()) {
                if (p.hostPort() > 0) {
                    endpoints.add(p.hostIp() + ":" + p.hostPort());
                }
            }
        }
        String note = limitsNote(specs, runtime);
        synchronized (deployLock) {
            refuseWhileDraining();
            if (store.deployment(id).isPresent()) {
                throw new AlreadyExistsException(
                        "deployment_id: deployment '" + id + "' exists already");
            }
            d = d.withState(DeploymentState.PENDING, "accepted" + note, now);
            store.putDeployment(d);
        }
        logger.info("Deployment {} accepted on runtime {}: services {}", id, runtimeName, order);
        publish(
                EventTypes.DEPLOYMENT_STATE,
                "deployment",
                id,
                "deployment " + id + " is pending: accepted" + note,
                Map.of("state", DeploymentState.PENDING.wireName(), "runtime", runtimeName));
        request(id);
        return new DeploymentResult(
                id, "deployment " + id + " accepted on runtime " + runtimeName + note, endpoints);
    }

    private void refuseWhileDraining() {
        if (draining || nodeDraining.getAsBoolean()) {
            throw new FailedPreconditionException("node is draining: new deployments are refused");
        }
    }

    private String chooseRuntime(DeploymentRequest request) {
        Optional<String> named = request.options().runtime();
        if (named.isPresent()) {
            RuntimeSlot rs = runtimes.get(named.get());
            if (rs == null) {
                throw new InvalidArgumentException(
                        "options.labels."
                                + DeploymentOptions.RUNTIME_LABEL
                                + ": unknown runtime '"
                                + named.get()
                                + "'; available: "
                                + String.join(", ", availableRuntimes()));
            }
            if (!rs.available()) {
                throw new FailedPreconditionException(
                        "runtime "
                                + named.get()
                                + " is not available: "
                                + rs.availability.reason());
            }
            return named.get();
        }
        RuntimeSlot docker = runtimes.get("docker");
        boolean allImages =
                request.spec().services().values().stream().noneMatch(s -> s.image().isBlank());
        if (docker != null && docker.available() && allImages) {
            return "docker";
        }
        RuntimeSlot process = runtimes.get("process");
        if (process != null && process.available()) {
            return "process";
        }
        throw new FailedPreconditionException(
                "no container runtime is available (process runtime: "
                        + (process == null ? "not installed" : process.availability.reason())
                        + ")");
    }

    private List<String> availableRuntimes() {
        return runtimes.values().stream()
                .filter(RuntimeSlot::available)
                .map(r -> r.runtime.name())
                .sorted()
                .toList();
    }

    /** Makes sure the service's image is present, pulling it if the runtime can. */
    private void ensureImage(ContainerRuntime runtime, String service, ContainerSpec cs) {
        String field = "services." + service + ".image";
        if (runtime.name().equals("process")) {
            // the process runtime checks the executable when it builds the argument vector
            String exe = !cs.image().isBlank() ? cs.image() : firstWord(cs);
            if (exe == null) {
                throw new InvalidArgumentException(
                        field
                                + ": the process runtime needs an executable: give image, or an entrypoint or command");
            }
            String path = cs.environment().get("PATH");
            if (!runtime.imagePresent(exe) && (path == null || !onPath(exe, path))) {
                throw new NotFoundException(
                        field + ": executable '" + exe + "' not found on the PATH");
            }
            return;
        }
        if (cs.image().isBlank()) {
            throw new InvalidArgumentException(
                    field + ": runtime " + runtime.name() + " needs an image");
        }
        if (runtime.imagePresent(cs.image())) {
            return;
        }
        CompletableFuture<Void> pulled = new CompletableFuture<>();
        Subscription pull = null;
        try {
            pull =
                    runtime.pullImage(
                            cs.image(),
                            Optional.empty(),
                            new StreamSink<PullProgress>() {
                                @Override
                                public void next(PullProgress item) {
                                    logger.debug(
                                            "Pulling {}: {} {}",
                                            cs.image(),
                                            item.layer(),
                                            item.status());
                                }

                                @Override
                                public void complete() {
                                    pulled.complete(null);
                                }

                                @Override
                                public void error(Throwable failure) {
                                    pulled.completeExceptionally(failure);
                                }
                            });
            pulled.get(PULL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (NodeException e) {
            throw new NotFoundException(
                    field
                            + ": image '"
                            + cs.image()
                            + "' is not present and cannot be pulled: "
                            + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FailedPreconditionException("interrupted while pulling " + cs.image());
        } catch (java.util.concurrent.ExecutionException
                | java.util.concurrent.TimeoutException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new NotFoundException(
                    field
                            + ": image '"
                            + cs.image()
                            + "' is not present and pulling it failed: "
                            + cause.getMessage());
        } finally {
            if (pull != null) {
                pull.close();
            }
        }
    }

    private static String firstWord(ContainerSpec cs) {
        if (!cs.entrypoint().isEmpty()) {
            return cs.entrypoint().get(0);
        }
        return cs.command().isEmpty() ? null : cs.command().get(0);
    }

    private static boolean onPath(String exe, String path) {
        for (String dir : path.split(java.io.File.pathSeparator)) {
            java.nio.file.Path p = java.nio.file.Path.of(dir.isEmpty() ? "." : dir, exe);
            if (java.nio.file.Files.isExecutable(p)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void start(String deploymentId) {
        Slot s = slots.computeIfAbsent(deploymentId, k -> new Slot());
        synchronized (s.lock) {
            Deployment d = require(deploymentId);
            switch (d.state()) {
                case STOPPED, FAILED -> {
                    // the operator's start begins the restart policy's count again
                    s.backoff.clear();
                    for (ContainerRecord r : store.containersOf(deploymentId)) {
                        if (r.restarts() != 0) {
                            store.putContainer(r.withRestarts(0));
                        }
                    }
                    s.forceStop = false;
                    transition(d, DeploymentState.PENDING, "started by the operator");
                }
                case STOPPING, REMOVING ->
                        throw new FailedPreconditionException(
                                "deployment " + deploymentId + " is " + d.state().wireName());
                default -> {
                    // already active
                }
            }
        }
        request(deploymentId);
    }

    @Override
    public void stop(String deploymentId, boolean force) {
        Slot s = slots.computeIfAbsent(deploymentId, k -> new Slot());
        synchronized (s.lock) {
            Deployment d = require(deploymentId);
            if (d.state() == DeploymentState.REMOVING) {
                throw new FailedPreconditionException(
                        "deployment " + deploymentId + " is being removed");
            }
            s.forceStop = force;
            if (d.state() != DeploymentState.STOPPED) {
                transition(
                        d,
                        DeploymentState.STOPPING,
                        force ? "killed by the operator" : "stopped by the operator");
            }
        }
        request(deploymentId);
    }

    @Override
    public void remove(String deploymentId, boolean removeVolumes) {
        Slot s = slots.computeIfAbsent(deploymentId, k -> new Slot());
        synchronized (s.lock) {
            Deployment d = require(deploymentId);
            if (d.state() != DeploymentState.REMOVING) {
                transition(d, DeploymentState.REMOVING, "removed by the operator");
            }
        }
        request(deploymentId);
    }

    @Override
    public ScaleResult scale(String deploymentId, String service, int replicas) {
        Slot s = slots.computeIfAbsent(deploymentId, k -> new Slot());
        int previous;
        synchronized (s.lock) {
            Deployment d = require(deploymentId);
            if (!d.spec().services().containsKey(service)) {
                throw new NotFoundException(
                        "service_name: deployment "
                                + deploymentId
                                + " has no service '"
                                + service
                                + "'");
            }
            if (replicas < 0 || replicas > settings.maxReplicas()) {
                throw new InvalidArgumentException(
                        "replicas: " + replicas + " is out of range 0.." + settings.maxReplicas());
            }
            if (!d.state().active()) {
                throw new FailedPreconditionException(
                        "deployment "
                                + deploymentId
                                + " is "
                                + d.state().wireName()
                                + ": start it before scaling");
            }
            previous = desired(d, service);
            if (previous != replicas) {
                Map<String, Integer> next = new LinkedHashMap<>(d.replicas());
                next.put(service, replicas);
                Deployment scaled =
                        new Deployment(
                                d.id(),
                                d.name(),
                                d.spec(),
                                d.environment(),
                                d.options(),
                                next,
                                d.state(),
                                d.message(),
                                d.createdAt(),
                                d.updatedAt());
                transition(
                        scaled,
                        DeploymentState.UPDATING,
                        "scaling " + service + " from " + previous + " to " + replicas);
            }
        }
        request(deploymentId);
        return new ScaleResult(previous, replicas);
    }

    private Deployment require(String deploymentId) {
        return store.deployment(deploymentId)
                .orElseThrow(
                        () ->
                                new NotFoundException(
                                        "deployment_id: deployment '"
                                                + deploymentId
                                                + "' not found"));
    }

    @Override
    public Optional<Deployment> deployment(String deploymentId) {
        return store.deployment(deploymentId);
    }

    @Override
    public Optional<DeploymentStatus> status(String deploymentId) {
        return store.deployment(deploymentId).map(this::status);
    }

    @Override
    public List<DeploymentStatus> statuses() {
        return store.deployments().stream()
                .map(this::status)
                .sorted(Comparator.comparing(DeploymentStatus::deploymentId))
                .toList();
    }

    private DeploymentStatus status(Deployment d) {
        RuntimeSlot rs = runtimes.get(d.options().runtime().orElse(""));
        List<ContainerStatus> actual = List.of();
        if (rs != null && rs.available()) {
            try {
                actual = rs.runtime.list(Map.of(LABEL_DEPLOYMENT, d.id()));
            } catch (RuntimeException e) {
                logger.debug("Listing the containers of {} failed", d.id(), e);
            }
        }
        return status(d, actual, true);
    }

    private DeploymentStatus status(
            Deployment d, List<ContainerStatus> actual, boolean storedRestartCounts) {
        Map<String, ServiceStatus> services = new LinkedHashMap<>();
        int total = 0;
        int ready = 0;
        Slot slot = slots.get(d.id());
        Map<String, Integer> storedRestarts = null;
        for (String name : d.spec().services().keySet()) {
            int desired =
                    d.state().active() || d.state() == DeploymentState.FAILED
                            ? desired(d, name)
                            : 0;
            int running = 0;
            int ok = 0;
            int restarts = 0;
            for (ContainerStatus c : actual) {
                if (!name.equals(c.labels().get(LABEL_SERVICE))) {
                    continue;
                }
                int idx = replica(c);
                if (idx < 0 || idx >= desired) {
                    continue;
                }
                if (c.state() == ContainerState.RUNNING) {
                    running++;
                }
                if (c.ready()) {
                    ok++;
                }
                Backoff b = slot == null ? null : slot.backoff.get(c.id());
                if (b != null) {
                    restarts += b.restarts;
                } else if (storedRestartCounts) {
                    // not restarted since the node started: what the store kept
                    if (storedRestarts == null) {
                        storedRestarts = new HashMap<>();
                        for (ContainerRecord r : store.containersOf(d.id())) {
                            storedRestarts.put(r.id(), r.restarts());
                        }
                    }
                    restarts += storedRestarts.getOrDefault(c.id(), 0);
                }
            }
            services.put(
                    name, new ServiceStatus(desired, running, Math.min(ok, desired), restarts));
            total += desired;
            ready += Math.min(ok, desired);
        }
        return new DeploymentStatus(
                d.id(),
                d.name(),
                d.state(),
                total,
                ready,
                d.message(),
                d.options().runtime().orElse(""),
                services);
    }

    @Override
    public List<RuntimeInfo> runtimes() {
        List<RuntimeInfo> list = new ArrayList<>();
        for (RuntimeSlot rs : runtimes.values()) {
            Map<LimitKind, String> limits;
            try {
                limits = rs.runtime.unenforceableLimits();
            } catch (RuntimeException e) {
                limits = Map.of();
            }
            list.add(new RuntimeInfo(rs.runtime.name(), rs.availability, limits));
        }
        list.sort(Comparator.comparing(RuntimeInfo::name));
        return list;
    }

    @Override
    public Subscription logs(LogQuery query, StreamSink<LogLine> sink) {
        Deployment d = require(query.deploymentId());
        if (!query.service().isBlank() && !d.spec().services().containsKey(query.service())) {
            throw new NotFoundException(
                    "service_name: deployment "
                            + d.id()
                            + " has no service '"
                            + query.service()
                            + "'");
        }
        if (query.tail() < 0) {
            throw new InvalidArgumentException("tail: must not be negative");
        }
        RuntimeSlot rs = runtimes.get(d.options().runtime().orElse(""));
        if (rs == null || !rs.available()) {
            throw new FailedPreconditionException(
                    "runtime "
                            + d.options().runtime().orElse("")
                            + " of deployment "
                            + d.id()
                            + " is not available");
        }
        DeploymentLogs logs =
                new DeploymentLogs(
                        rs.runtime, d.id(), query, sink, clock, containerListeners::remove);
        if (query.follow()) {
            containerListeners.add(logs);
        }
        logs.start();
        return logs;
    }

    @Override
    public List<ContainerStatus> containers(boolean all, Map<String, String> labelFilters) {
        Map<String, String> filters = new LinkedHashMap<>(labelFilters);
        filters.put(LABEL_MANAGED, "true");
        List<ContainerStatus> list = new ArrayList<>();
        for (RuntimeSlot rs : runtimes.values()) {
            if (!rs.available()) {
                continue;
            }
            for (ContainerStatus c : rs.runtime.list(filters)) {
                if (all || c.state() == ContainerState.RUNNING) {
                    list.add(c);
                }
            }
        }
        return list;
    }

    @Override
    public ContainerStatus inspect(String containerId) {
        return runtimeOf(containerId).inspect(containerId);
    }

    @Override
    public ExecSession exec(String containerId, ExecSpec spec, StreamSink<ExecOutput> output) {
        return runtimeOf(containerId).exec(containerId, spec, output);
    }

    private ContainerRuntime runtimeOf(String containerId) {
        Optional<ContainerRecord> record = store.container(containerId);
        if (record.isPresent()) {
            RuntimeSlot rs = runtimes.get(record.get().runtime());
            if (rs == null || !rs.available()) {
                throw new FailedPreconditionException(
                        "runtime "
                                + record.get().runtime()
                                + " of container "
                                + containerId
                                + " is not available");
            }
            return rs.runtime;
        }
        throw new NotFoundException("container_id: container '" + containerId + "' not found");
    }

    // --- drain

    /**
     * Refuses new deployments and stops every running container: gracefully within the drain grace
     * period (or what is left before {@code deadline}), then killed. The desired state in the store
     * is kept, so the deployments run again when the node starts again.
     *
     * @param deadline when the node stops waiting
     */
    public void drain(Instant deadline) {
        draining = true;
        Duration left = Duration.between(clock.instant(), deadline);
        Duration grace = left.compareTo(settings.drainGrace()) < 0 ? left : settings.drainGrace();
        if (grace.isNegative()) {
            grace = Duration.ZERO;
        }
        List<CompletableFuture<?>> stops = new ArrayList<>();
        for (RuntimeSlot rs : runtimes.values()) {
            if (!rs.available()) {
                continue;
            }
            for (ContainerStatus c : rs.runtime.list(Map.of(LABEL_MANAGED, "true"))) {
                if (c.state() == ContainerState.RUNNING) {
                    Duration g = grace;
                    stops.add(
                            scheduler.submit(
                                    "drain " + c.id(),
                                    () -> {
                                        rs.runtime.stop(c.id(), g);
                                        return null;
                                    }));
                }
            }
        }
        logger.info("Draining: stopping {} container(s) within {}", stops.size(), grace);
        try {
            CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new))
                    .get(
                            Math.max(1, Duration.between(clock.instant(), deadline).toMillis()),
                            TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException
                | java.util.concurrent.TimeoutException e) {
            logger.warn("Draining did not stop every container: {}", e.toString());
        }
    }

    /**
     * @return whether a drain began
     */
    public boolean draining() {
        return draining;
    }
}
