package ai.hanzo.node.core.internal;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.event.EventTypes;
import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.node.DrainParticipant;
import ai.hanzo.node.api.node.HealthCheck;
import ai.hanzo.node.api.node.HealthIndicator;
import ai.hanzo.node.api.node.HealthReport;
import ai.hanzo.node.api.node.HealthStatus;
import ai.hanzo.node.api.node.NodeInfo;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.node.NodeState;
import ai.hanzo.node.api.node.NodeStateChange;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.util.tracker.ServiceTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the node lifecycle. The node is {@code STARTING} until the framework reports that every
 * start-up bundle is started, then {@code READY}; a drain (signal, operator, or framework stop)
 * moves it through {@code DRAINING} to {@code STOPPED}, giving every {@link DrainParticipant} the
 * chance to wind its work down first.
 */
@Component(service = NodeLifecycle.class, immediate = true, configurationPid = "ai.hanzo.node.core")
@Designate(ocd = CoreConfiguration.class)
public final class NodeLifecycleService
        implements NodeLifecycle, FrameworkListener, SynchronousBundleListener {
    /** The framework start level at which the node is READY; see {@link #frameworkStarted}. */
    static final String READY_STARTLEVEL = "hanzo.ready.startlevel";

    /** Comma-separated service interfaces that must be registered before the node is READY. */
    static final String READY_REQUIRES = "hanzo.ready.requires";

    private final Logger logger = LoggerFactory.getLogger(NodeLifecycleService.class);
    private final BundleContext context;
    private final EventBus events;
    private final NodeScheduler scheduler;
    private final NodeInfo info;
    private final NodeSettings settings;
    private final Duration drainTimeout;
    private final Clock clock = Clock.systemUTC();
    private final List<Consumer<NodeStateChange>> listeners = new CopyOnWriteArrayList<>();
    private final List<DrainParticipant> drainParticipants = new CopyOnWriteArrayList<>();
    private final List<HealthIndicator> healthIndicators = new CopyOnWriteArrayList<>();
    private final Map<String, ServiceTracker<Object, Object>> requiredServices =
            new LinkedHashMap<>();

    /**
     * How many services of each required interface are registered (a tracker counts only after
     * adding).
     */
    private final Map<String, AtomicInteger> requiredCounts = new ConcurrentHashMap<>();

    private NodeState state = NodeState.STARTING;
    private CompletableFuture<Void> drain;

    /**
     * @param context the bundle context, for framework properties and events
     * @param events where state changes are published
     * @param configuration the core configuration
     */
    @Activate
    public NodeLifecycleService(
            BundleContext context,
            @Reference EventBus events,
            @Reference NodeScheduler scheduler,
            CoreConfiguration configuration) {
        this.context = context;
        this.events = events;
        this.scheduler = scheduler;
        this.drainTimeout = Duration.ofSeconds(Math.max(1, configuration.drainTimeoutSeconds()));
        this.settings =
                NodeSettings.from(
                        context::getProperty, context.getBundle().getVersion().toString());
        String nodeId = NodeIdFile.resolve(settings.dataDirectory(), settings.nodeId());
        this.info =
                new NodeInfo(
                        nodeId,
                        settings.version(),
                        settings.networkId(),
                        settings.operatorAddress(),
                        settings.dataDirectory(),
                        Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()));
        context.addFrameworkListener(this);
        context.addBundleListener(this);
        String requires = context.getProperty(READY_REQUIRES);
        for (String name : requires == null ? new String[0] : requires.split(",")) {
            if (!name.isBlank()) {
                AtomicInteger count =
                        requiredCounts.computeIfAbsent(name.trim(), key -> new AtomicInteger());
                ServiceTracker<Object, Object> tracker =
                        new ServiceTracker<>(context, name.trim(), null) {
                            @Override
                            public Object addingService(ServiceReference<Object> reference) {
                                Object service = super.addingService(reference);
                                count.incrementAndGet();
                                tryReady();
                                return service;
                            }

                            @Override
                            public void removedService(
                                    ServiceReference<Object> reference, Object service) {
                                count.decrementAndGet();
                                super.removedService(reference, service);
                            }
                        };
                requiredServices.put(name.trim(), tracker);
            }
        }
        // track by name in every class space: this bundle need not import the interface's package
        requiredServices.values().forEach(tracker -> tracker.open(true));
        tryReady();
    }

    /** Moves to READY once the framework has started and every required service is registered. */
    private void tryReady() {
        if (frameworkStarted(context) && missingServices().isEmpty()) {
            moveTo(NodeState.READY, "node started");
        }
    }

    /**
     * @return the {@code hanzo.ready.requires} services not registered yet
     */
    private List<String> missingServices() {
        List<String> missing = new ArrayList<>();
        requiredCounts.forEach(
                (name, count) -> {
                    if (count.get() <= 0) {
                        missing.add(name);
                    }
                });
        return missing;
    }

    /**
     * Whether the framework has started everything the node needs: it is active and its start level
     * has reached {@code hanzo.ready.startlevel}. The Karaf distribution sets that to its last
     * level (100), which the framework reaches after every start-up bundle started; elsewhere it
     * defaults to this bundle's own level, so a late-installed node is ready at once.
     */
    private static boolean frameworkStarted(BundleContext context) {
        Bundle framework = context.getBundle(0);
        int frameworkLevel = framework.adapt(FrameworkStartLevel.class).getStartLevel();
        int readyLevel = context.getBundle().adapt(BundleStartLevel.class).getStartLevel();
        String configured = context.getProperty(READY_STARTLEVEL);
        if (configured != null && !configured.isBlank()) {
            try {
                readyLevel = Integer.parseInt(configured.trim());
            } catch (NumberFormatException e) {
                throw new InvalidArgumentException(
                        READY_STARTLEVEL + " '" + configured + "' is not a number");
            }
        }
        return framework.getState() == Bundle.ACTIVE && frameworkLevel >= readyLevel;
    }

    @Override
    public void frameworkEvent(FrameworkEvent event) {
        // Karaf starts the framework at level 1 (STARTED) and then raises it (STARTLEVEL_CHANGED)
        if (event.getType() == FrameworkEvent.STARTED
                || event.getType() == FrameworkEvent.STARTLEVEL_CHANGED) {
            tryReady();
        }
    }

    /**
     * Drains when the framework begins to stop for any reason other than a signal (which drains
     * first itself): called before any bundle stops, so drain participants are still there.
     */
    @Override
    public void bundleChanged(BundleEvent event) {
        if (event.getBundle().getBundleId() == 0 && event.getType() == BundleEvent.STOPPING) {
            drain("framework stopping", drainTimeout);
        }
    }

    @Deactivate
    void deactivate() {
        context.removeFrameworkListener(this);
        context.removeBundleListener(this);
        requiredServices.values().forEach(ServiceTracker::close);
        // stopped without a signal (framework stop, bundle stop): still drain what is left
        drain("node core stopping", drainTimeout);
    }

    @Override
    public NodeInfo info() {
        return info;
    }

    @Override
    public synchronized NodeState state() {
        return state;
    }

    @Override
    public Duration uptime() {
        return Duration.between(info.startedAt(), Instant.now(clock));
    }

    @Override
    public HealthReport health() {
        NodeState current = state();
        HealthStatus worst = current.health();
        List<HealthCheck> checks = new ArrayList<>();
        if (current == NodeState.STARTING) {
            List<String> missing = missingServices();
            if (!missing.isEmpty()) {
                checks.add(
                        new HealthCheck(
                                "readiness", HealthStatus.DEGRADED, "waiting for " + missing));
            }
        }
        for (HealthIndicator indicator : healthIndicators) {
            HealthCheck check;
            try {
                check = indicator.check();
            } catch (RuntimeException e) {
                check =
                        new HealthCheck(
                                indicator.getClass().getSimpleName(),
                                HealthStatus.UNHEALTHY,
                                "health check failed: " + e);
            }
            checks.add(check);
            if (check.status().compareTo(worst) > 0) {
                worst = check.status();
            }
        }
        return new HealthReport(worst, current, checks);
    }

    @Override
    public void drain(String reason, Duration timeout) {
        CompletableFuture<Void> running;
        synchronized (this) {
            if (drain == null) {
                drain = new CompletableFuture<>();
                running = null;
            } else {
                running = drain;
            }
        }
        if (running != null) {
            awaitQuietly(running, timeout);
            return;
        }
        moveTo(NodeState.DRAINING, reason);
        Instant deadline = Instant.now(clock).plus(timeout);
        List<DrainParticipant> participants = List.copyOf(drainParticipants);
        logger.info(
                "Draining node {}: {}; {} participant(s), deadline {}s",
                info.nodeId(),
                reason,
                participants.size(),
                timeout.toSeconds());
        List<CompletableFuture<Void>> tasks = new ArrayList<>();
        for (DrainParticipant participant : participants) {
            tasks.add(
                    scheduler.submit(
                            "drain " + participant.name(),
                            () -> {
                                drainOne(participant, deadline);
                                return null;
                            }));
        }
        CompletableFuture<Void> all =
                CompletableFuture.allOf(tasks.toArray(CompletableFuture[]::new));
        if (!awaitQuietly(all, timeout)) {
            logger.warn(
                    "Drain deadline of {}s passed; abandoning work that is still winding down",
                    timeout.toSeconds());
        }
        moveTo(NodeState.STOPPED, "drained");
        logger.info("Node {} drained and stopped", info.nodeId());
        synchronized (this) {
            drain.complete(null);
        }
    }

    private void drainOne(DrainParticipant participant, Instant deadline) {
        long started = System.nanoTime();
        try {
            participant.drain(deadline);
            logger.info(
                    "Drained {} in {} ms",
                    participant.name(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        } catch (Exception e) {
            logger.warn("Draining {} failed: {}", participant.name(), e.toString(), e);
        }
    }

    private static boolean awaitQuietly(CompletableFuture<?> future, Duration timeout) {
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    @Override
    public Subscription onStateChange(Consumer<NodeStateChange> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void moveTo(NodeState next, String reason) {
        NodeStateChange change;
        synchronized (this) {
            if (!state.canMoveTo(next)) {
                return;
            }
            change = new NodeStateChange(state, next, Instant.now(clock), reason);
            state = next;
        }
        if (next == NodeState.READY) {
            logger.info(banner());
        } else {
            logger.info("Node state {} -> {} ({})", change.from(), change.to(), reason);
        }
        events.publish(
                new NodeEvent(
                        change.at(),
                        EventTypes.NODE_STATE,
                        "node",
                        info.nodeId(),
                        "node "
                                + change.from().name().toLowerCase()
                                + " -> "
                                + next.name().toLowerCase()
                                + ": "
                                + reason,
                        Map.of("from", change.from().name(), "to", next.name())));
        for (Consumer<NodeStateChange> listener : listeners) {
            try {
                listener.accept(change);
            } catch (RuntimeException e) {
                logger.warn("state listener failed: {}", e.toString(), e);
            }
        }
    }

    /**
     * @return the address HTTP really listens on, as its bundle registered it, or why none: the
     *     banner never claims an address nothing serves
     */
    private String httpAddress() {
        try {
            ServiceReference<?>[] serving =
                    context.getAllServiceReferences(null, "(hanzo.http.address=*)");
            if (serving != null && serving.length > 0) {
                return String.valueOf(serving[0].getProperty("hanzo.http.address"));
            }
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return "(not serving: the http bundle is not running)";
    }

    private String banner() {
        return String.join(
                System.lineSeparator(),
                "",
                "  hanzo-node " + info.version() + " READY in " + uptime().toMillis() + " ms",
                "  node id   " + info.nodeId(),
                "  network   " + (info.networkId().isEmpty() ? "(none)" : info.networkId()),
                "  gRPC      " + settings.grpcAddress(),
                "  HTTP      " + httpAddress(),
                "  P2P       " + settings.p2pAddress(),
                "  data      " + info.dataDirectory());
    }

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addDrainParticipant(DrainParticipant participant) {
        drainParticipants.add(participant);
    }

    void removeDrainParticipant(DrainParticipant participant) {
        drainParticipants.remove(participant);
    }

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addHealthIndicator(HealthIndicator indicator) {
        healthIndicators.add(indicator);
    }

    void removeHealthIndicator(HealthIndicator indicator) {
        healthIndicators.remove(indicator);
    }
}
