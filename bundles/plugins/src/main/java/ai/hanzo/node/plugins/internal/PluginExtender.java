package ai.hanzo.node.plugins.internal;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.DeadlineExceededException;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.UnavailableException;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.inference.InferenceEngine;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.plugin.PluginDescriptor;
import ai.hanzo.node.api.plugin.PluginEvents;
import ai.hanzo.node.api.plugin.PluginInfo;
import ai.hanzo.node.api.plugin.PluginRegistry;
import ai.hanzo.node.api.plugin.PluginState;
import ai.hanzo.node.api.runtime.ContainerRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.hooks.resolver.ResolverHook;
import org.osgi.framework.hooks.resolver.ResolverHookFactory;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRequirement;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.util.tracker.BundleTracker;
import org.osgi.util.tracker.BundleTrackerCustomizer;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugin extender: follows every bundle with a {@value PluginDescriptor#NAME_HEADER} header (a
 * BundleTracker, as openHAB's add-on service does), self-tests the runtimes and engines it
 * registers, runs calls into it on the node's worker pool with deadlines, counts its failures and
 * stops a plugin that keeps failing or leaves threads behind. Everything it learns goes to the
 * {@link PluginRegistry} view and the event bus.
 */
@Component(service = PluginRegistry.class, configurationPid = "ai.hanzo.node.plugins")
@Designate(ocd = PluginExtender.Config.class)
public final class PluginExtender implements PluginRegistry {
    /** Deadlines and limits, PID {@code ai.hanzo.node.plugins}. */
    @ObjectClassDefinition(name = "Hanzo node plugins")
    @interface Config {
        @AttributeDefinition(
                description = "Seconds a plugin runtime's or engine's selfTest may take")
        int selfTestTimeoutSeconds() default 10;

        @AttributeDefinition(
                description =
                        "Consecutive failed or timed-out calls after which a plugin is marked"
                                + " failed and stopped")
        int maxConsecutiveFailures() default 3;

        @AttributeDefinition(description = "Seconds a plugin's bundle may take to stop")
        int stopTimeoutSeconds() default 10;

        @AttributeDefinition(
                description =
                        "Seconds after a plugin stopped before threads still running its code"
                                + " count as leaked")
        int leakGraceSeconds() default 2;

        @AttributeDefinition(
                description =
                        "Refuse plugins that are not signed (jarsigner) by a trusted certificate")
        boolean requireSignatures() default false;

        @AttributeDefinition(
                description =
                        "The trusted certificates (PEM or DER): a file or a directory of them;"
                                + " relative to the node's etc/ directory")
        String trustedCertificates() default "plugin-trust";
    }

    private static final int TRACKED =
            Bundle.INSTALLED | Bundle.RESOLVED | Bundle.STARTING | Bundle.ACTIVE | Bundle.STOPPING;

    private final Logger logger = LoggerFactory.getLogger(PluginExtender.class);
    private final BundleContext context;
    private final NodeScheduler scheduler;
    private final EventBus events;
    private final DeployProblems problems;
    private final Duration selfTestTimeout;
    private final int maxConsecutiveFailures;
    private final Duration stopTimeout;
    private final Duration leakGrace;
    private final Map<Long, PluginRecord> plugins = new ConcurrentHashMap<>();
    private final BundleTracker<PluginRecord> bundles;
    private final ServiceTracker<Object, Long> contributions;
    // bundle id -> why it is refused (empty: trusted); only when signatures are required
    private final Map<Long, Optional<String>> verdicts = new ConcurrentHashMap<>();
    private final Function<Bundle, Optional<String>> trust;
    private final ServiceRegistration<ResolverHookFactory> trustHook;

    /**
     * @param context this bundle's context
     * @param scheduler where calls into plugins run
     * @param events where plugin events go
     * @param problems plugin files in deploy/ refused before a bundle was installed
     * @param config deadlines and limits
     */
    @Activate
    public PluginExtender(
            BundleContext context,
            @Reference NodeScheduler scheduler,
            @Reference EventBus events,
            @Reference DeployProblems problems,
            Config config) {
        this.context = context;
        this.scheduler = scheduler;
        this.events = events;
        this.problems = problems;
        this.selfTestTimeout = Duration.ofSeconds(Math.max(1, config.selfTestTimeoutSeconds()));
        this.maxConsecutiveFailures = Math.max(1, config.maxConsecutiveFailures());
        this.stopTimeout = Duration.ofSeconds(Math.max(1, config.stopTimeoutSeconds()));
        this.leakGrace = Duration.ofSeconds(Math.max(0, config.leakGraceSeconds()));
        this.trust = config.requireSignatures() ? trustCheck(config) : bundle -> Optional.empty();
        this.trustHook =
                config.requireSignatures()
                        ? context.registerService(
                                ResolverHookFactory.class, triggers -> new TrustHook(), null)
                        : null;
        this.bundles = new BundleTracker<>(context, TRACKED, new BundleEvents());
        this.contributions =
                new ServiceTracker<>(context, contributionFilter(context), new Services());
        bundles.open();
        contributions.open();
        logger.info("Plugin extender follows {} plugin(s)", plugins.size());
    }

    /** Stops following bundles and services; the plugins themselves keep running. */
    @Deactivate
    public void deactivate() {
        if (trustHook != null) {
            trustHook.unregister();
        }
        contributions.close();
        bundles.close();
        plugins.clear();
    }

    /**
     * Refreshes uninstalled bundles that no live bundle is wired to, so their class loaders go. A
     * multi-bundle plugin's library is uninstalled by Karaf's features service without a refresh
     * (none may reach the core); while the plugin bundle that imported it was still installed it
     * was in use, so the framework kept it pending. Runs after a plugin bundle is uninstalled. A
     * bundle whose dependency closure holds only uninstalled bundles is refreshed; one that a live
     * bundle still uses is left alone.
     */
    void collectUninstalled() {
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        Set<Bundle> dead = new HashSet<>();
        for (Bundle pending : wiring.getRemovalPendingBundles()) {
            Collection<Bundle> closure = wiring.getDependencyClosure(List.of(pending));
            if (closure.stream().allMatch(b -> b.getState() == Bundle.UNINSTALLED)) {
                dead.addAll(closure);
            }
        }
        if (!dead.isEmpty()) {
            logger.debug("Refreshing {} uninstalled bundle(s) nothing uses", dead.size());
            wiring.refreshBundles(dead);
        }
    }

    @Override
    public List<PluginInfo> list() {
        List<PluginInfo> result = new ArrayList<>();
        for (PluginRecord plugin : plugins.values()) {
            result.add(plugin.info());
        }
        result.addAll(problems.list());
        // a refused file (no bundle) after the installed plugin of the same name, which get finds
        result.sort(
                Comparator.comparing((PluginInfo info) -> info.descriptor().name())
                        .thenComparing(info -> info.bundleId() == DeployProblems.NO_BUNDLE)
                        .thenComparingLong(PluginInfo::bundleId));
        return result;
    }

    @Override
    public Optional<PluginInfo> get(String name) {
        return list().stream().filter(info -> info.descriptor().name().equals(name)).findFirst();
    }

    @Override
    public <T> CompletableFuture<T> call(
            Object service, String operation, Callable<T> call, Duration timeout) {
        Bundle owner = FrameworkUtil.getBundle(service.getClass());
        PluginRecord plugin = owner == null ? null : plugins.get(owner.getBundleId());
        if (plugin == null) {
            return scheduler.submit(operation, call, timeout);
        }
        return guarded(plugin, operation, call, timeout);
    }

    /** Runs a call into a plugin on the worker pool and counts how it ended. */
    private <T> CompletableFuture<T> guarded(
            PluginRecord plugin, String operation, Callable<T> call, Duration timeout) {
        PluginRecord.Failure failure = plugin.failure();
        if (failure != null && failure.sticky()) {
            return CompletableFuture.failedFuture(
                    new UnavailableException(
                            "plugin "
                                    + plugin.descriptor().name()
                                    + " is failed: "
                                    + failure.reason()));
        }
        String what = "plugin " + plugin.descriptor().name() + " " + operation;
        CompletableFuture<T> result = scheduler.submit(what, call, timeout);
        result.whenComplete(
                (value, error) -> {
                    if (error == null) {
                        plugin.callSucceeded();
                    } else {
                        callFailed(plugin, operation, unwrap(error));
                    }
                });
        return result;
    }

    private void callFailed(PluginRecord plugin, String operation, Throwable error) {
        String message = describe(error);
        logger.warn("Plugin {}: {} failed: {}", plugin.descriptor().name(), operation, message);
        if (plugin.callFailed(maxConsecutiveFailures)) {
            takeOut(
                    plugin,
                    plugin.consecutiveFailures()
                            + " calls in a row failed, the last: "
                            + operation
                            + ": "
                            + message);
        }
    }

    /** Marks a plugin failed for good (until it is updated or reinstalled) and stops its bundle. */
    private void takeOut(PluginRecord plugin, String reason) {
        PluginRecord.Failure before = plugin.failure();
        plugin.fail(reason, true);
        if (before != null && before.sticky()) {
            return;
        }
        logger.error("Plugin {} taken out of the node: {}", plugin.descriptor().name(), reason);
        publishStateChange(plugin);
        Bundle bundle = plugin.bundle();
        scheduler
                .submit(
                        "stop plugin " + plugin.descriptor().name(),
                        () -> {
                            if (bundle.getState() == Bundle.ACTIVE
                                    || bundle.getState() == Bundle.STARTING) {
                                bundle.stop(Bundle.STOP_TRANSIENT);
                            }
                            return null;
                        },
                        stopTimeout)
                .whenComplete(
                        (ignored, error) -> {
                            if (error != null) {
                                logger.error(
                                        "Plugin {} did not stop: {}",
                                        plugin.descriptor().name(),
                                        describe(unwrap(error)));
                            }
                        });
    }

    /** Self-tests one runtime or engine of a plugin, off the tracker's thread. */
    private void selfTest(PluginRecord plugin, ServiceReference<Object> reference, String key) {
        long serviceId = (Long) reference.getProperty("service.id");
        guarded(
                        plugin,
                        "selfTest of " + key,
                        () -> {
                            Object service = context.getService(reference);
                            if (service == null) {
                                throw new UnavailableException(key + " is gone");
                            }
                            try {
                                Availability answer;
                                if (service instanceof ContainerRuntime runtime) {
                                    answer = runtime.selfTest();
                                } else if (service instanceof InferenceEngine engine) {
                                    answer = engine.selfTest();
                                } else {
                                    throw new UnavailableException(
                                            key + " is neither a runtime nor an engine");
                                }
                                if (answer == null) {
                                    throw new IllegalStateException(
                                            "selfTest returned no answer (null)");
                                }
                                return answer;
                            } finally {
                                context.ungetService(reference);
                            }
                        },
                        selfTestTimeout)
                .whenComplete(
                        (answer, error) -> {
                            Availability result =
                                    error == null
                                            ? answer
                                            : Availability.unavailable(
                                                    "self-test failed: " + describe(unwrap(error)));
                            plugin.contributionTested(serviceId, result);
                            if (!result.available()) {
                                logger.warn(
                                        "Plugin {}: {} unavailable: {}",
                                        plugin.descriptor().name(),
                                        key,
                                        result.reason());
                            }
                            publishStateChange(plugin);
                        });
    }

    /**
     * The activator of a plugin threw: the framework only tells the caller of start (File Install,
     * which logs it), so start it once more here, within a deadline, to learn the reason.
     */
    private void probeActivation(PluginRecord plugin) {
        if (!plugin.claimActivationProbe()) {
            return;
        }
        Bundle bundle = plugin.bundle();
        scheduler
                .submit(
                        "probe activation of plugin " + plugin.descriptor().name(),
                        () -> {
                            bundle.start(Bundle.START_TRANSIENT);
                            return null;
                        },
                        stopTimeout)
                .whenComplete(
                        (ignored, error) -> {
                            if (error != null) {
                                plugin.fail("activation failed: " + describe(unwrap(error)), false);
                                publishStateChange(plugin);
                            }
                        });
    }

    /** A plugin that stays INSTALLED did not resolve: ask the framework why. */
    private void probeResolution(PluginRecord plugin) {
        Bundle bundle = plugin.bundle();
        scheduler
                .submit(
                        "resolve plugin " + plugin.descriptor().name(),
                        () -> {
                            FrameworkWiring wiring =
                                    context.getBundle(0).adapt(FrameworkWiring.class);
                            if (wiring.resolveBundles(List.of(bundle))) {
                                return null;
                            }
                            // cannot start unresolved: the exception names the requirement
                            bundle.start(Bundle.START_TRANSIENT);
                            return null;
                        },
                        stopTimeout)
                .whenComplete(
                        (ignored, error) -> {
                            if (error != null && bundle.getState() == Bundle.INSTALLED) {
                                plugin.fail("does not resolve: " + describe(unwrap(error)), false);
                                publishStateChange(plugin);
                            }
                        });
    }

    /** Remembers the plugin's own packages while its bundle can still be read. */
    private static Set<String> packagesOf(Bundle bundle) {
        Set<String> packages = new HashSet<>();
        Enumeration<java.net.URL> classes = bundle.findEntries("/", "*.class", true);
        if (classes != null) {
            for (java.net.URL url : Collections.list(classes)) {
                String path = url.getPath();
                int slash = path.lastIndexOf('/');
                if (slash > 0) {
                    packages.add(
                            path.substring(path.startsWith("/") ? 1 : 0, slash).replace('/', '.'));
                }
            }
        }
        return packages;
    }

    /**
     * After a plugin stopped, threads still running its code are leaks: name them, interrupt them
     * and mark the plugin failed. Only threads that already ran its code when it stopped count:
     * code is matched by package name, and a new instance of the plugin (the next install of the
     * same file) runs the same packages on the node's pool threads and File Install's thread within
     * the grace period; those threads are not the old instance's.
     */
    private void checkLeaks(PluginRecord plugin) {
        Set<String> packages = plugin.packages();
        if (packages.isEmpty()) {
            return;
        }
        Set<Thread> runningAtStop = new HashSet<>();
        for (Map.Entry<Thread, StackTraceElement[]> entry : Thread.getAllStackTraces().entrySet()) {
            if (runsCodeOf(entry.getValue(), packages)) {
                runningAtStop.add(entry.getKey());
            }
        }
        if (runningAtStop.isEmpty()) {
            return;
        }
        scheduler.schedule(
                "leak check of plugin " + plugin.descriptor().name(),
                () -> {
                    Bundle bundle = plugin.bundle();
                    if (bundle.getState() == Bundle.ACTIVE
                            || bundle.getState() == Bundle.STARTING) {
                        // restarted or updated meanwhile: its threads may be the new ones
                        return;
                    }
                    List<Thread> leaked = new ArrayList<>();
                    for (Thread thread : runningAtStop) {
                        if (thread.isAlive() && runsCodeOf(thread.getStackTrace(), packages)) {
                            leaked.add(thread);
                        }
                    }
                    if (leaked.isEmpty()) {
                        return;
                    }
                    List<String> names = leaked.stream().map(Thread::getName).sorted().toList();
                    leaked.forEach(Thread::interrupt);
                    String reason =
                            "left "
                                    + leaked.size()
                                    + " thread(s) running after it stopped (interrupted): "
                                    + String.join(", ", names);
                    plugin.fail(reason, true);
                    logger.error("Plugin {} {}", plugin.descriptor().name(), reason);
                    publish(PluginEvents.FAILED, plugin, reason);
                },
                leakGrace);
    }

    private static boolean runsCodeOf(StackTraceElement[] stack, Set<String> packages) {
        for (StackTraceElement frame : stack) {
            String className = frame.getClassName();
            int dot = className.lastIndexOf('.');
            if (dot > 0 && packages.contains(className.substring(0, dot))) {
                return true;
            }
        }
        return false;
    }

    private void publishStateChange(PluginRecord plugin) {
        PluginState state = plugin.stateChange();
        if (state == null) {
            return;
        }
        PluginInfo info = plugin.info();
        if (state == PluginState.FAILED) {
            publish(PluginEvents.FAILED, plugin, info.reason());
        } else if (state == PluginState.UNAVAILABLE) {
            publish(PluginEvents.UNAVAILABLE, plugin, info.reason());
        } else if (state == PluginState.ACTIVE) {
            publish(PluginEvents.ACTIVE, plugin, "");
        }
    }

    private void publish(String type, PluginRecord plugin, String reason) {
        PluginDescriptor descriptor = plugin.descriptor();
        Map<String, String> attributes = new HashMap<>();
        attributes.put("version", descriptor.version());
        attributes.put("kind", descriptor.kind().headerValue());
        attributes.put("bundleId", Long.toString(plugin.bundle().getBundleId()));
        if (!reason.isEmpty()) {
            attributes.put("reason", reason);
        }
        if (type.equals(PluginEvents.ACTIVE)) {
            attributes.put("provides", String.join(",", plugin.info().provides()));
        }
        String message =
                "plugin "
                        + descriptor.name()
                        + " "
                        + descriptor.version()
                        + " "
                        + type.substring(type.indexOf('.') + 1)
                        + (reason.isEmpty() ? "" : ": " + reason);
        try {
            events.publish(
                    new NodeEvent(
                            Instant.now(),
                            type,
                            PluginEvents.RESOURCE_TYPE,
                            descriptor.name(),
                            message,
                            attributes));
        } catch (RuntimeException busGone) {
            // the bus stops before this component when the framework shuts down
            logger.debug("Plugin event not published: {}", busGone.toString());
        }
    }

    private static Throwable unwrap(Throwable error) {
        Throwable current = error;
        while ((current instanceof CompletionException || current instanceof ExecutionException)
                && current.getCause() != null) {
            current = current.getCause();
        }
        if (current instanceof BundleException && current.getCause() != null) {
            return current.getCause();
        }
        return current;
    }

    private static String describe(Throwable error) {
        if (error instanceof DeadlineExceededException || error instanceof NodeException) {
            return error.getMessage();
        }
        String message = error.getMessage();
        return error.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static Filter contributionFilter(BundleContext context) {
        try {
            return context.createFilter(
                    "(|(objectClass="
                            + ContainerRuntime.class.getName()
                            + ")(objectClass="
                            + InferenceEngine.class.getName()
                            + "))");
        } catch (InvalidSyntaxException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private static Map<String, String> headersOf(Bundle bundle) {
        Dictionary<String, String> headers = bundle.getHeaders("");
        Map<String, String> result = new HashMap<>();
        for (String key : Collections.list(headers.keys())) {
            result.put(key, headers.get(key));
        }
        return result;
    }

    /** Follows plugin bundles through their life. */
    private final class BundleEvents implements BundleTrackerCustomizer<PluginRecord> {
        @Override
        public PluginRecord addingBundle(Bundle bundle, BundleEvent event) {
            Map<String, String> headers = headersOf(bundle);
            if (!headers.containsKey(PluginDescriptor.NAME_HEADER)) {
                return null;
            }
            PluginRecord plugin;
            String badDescriptor = null;
            try {
                plugin =
                        new PluginRecord(
                                bundle,
                                Descriptors.read(
                                                headers,
                                                bundle.getSymbolicName(),
                                                bundle.getVersion().toString())
                                        .orElseThrow());
            } catch (NodeException bad) {
                badDescriptor = bad.getMessage();
                plugin =
                        new PluginRecord(
                                bundle,
                                new PluginDescriptor(
                                        headers.get(PluginDescriptor.NAME_HEADER).trim(),
                                        bundle.getVersion().toString(),
                                        ai.hanzo.node.api.plugin.PluginKind.OTHER,
                                        "",
                                        "",
                                        String.valueOf(bundle.getSymbolicName())));
            }
            plugins.put(bundle.getBundleId(), plugin);
            if (event != null && event.getType() == BundleEvent.INSTALLED) {
                logger.info(
                        "Plugin {} {} installed from {}",
                        plugin.descriptor().name(),
                        plugin.descriptor().version(),
                        bundle.getLocation());
                publish(PluginEvents.INSTALLED, plugin, "");
            }
            Optional<String> refused = refusal(bundle);
            if (badDescriptor != null) {
                takeOut(plugin, "bad descriptor: " + badDescriptor);
            } else if (refused.isPresent()) {
                logger.error("Plugin {} refused: {}", plugin.descriptor().name(), refused.get());
                // installed before the trust hook was there, it may have resolved or started
                takeOut(plugin, "refused: " + refused.get());
            } else if (bundle.getState() == Bundle.INSTALLED) {
                // File Install resolves and starts what it installed; one still unresolved
                // after a moment will not resolve
                PluginRecord installed = plugin;
                scheduler.schedule(
                        "resolution check of plugin " + plugin.descriptor().name(),
                        () -> {
                            if (bundle.getState() == Bundle.INSTALLED) {
                                probeResolution(installed);
                            }
                        },
                        leakGrace);
            }
            publishStateChange(plugin);
            return plugin;
        }

        @Override
        public void modifiedBundle(Bundle bundle, BundleEvent event, PluginRecord plugin) {
            if (event == null) {
                return;
            }
            switch (event.getType()) {
                case BundleEvent.RESOLVED -> plugin.clearTransientFailure();
                case BundleEvent.STARTING -> plugin.starting(true);
                case BundleEvent.STARTED -> {
                    plugin.starting(false);
                    plugin.clearTransientFailure();
                    logger.info("Plugin {} started", plugin.descriptor().name());
                    publish(PluginEvents.STARTED, plugin, "");
                    PluginRecord.Failure failure = plugin.failure();
                    if (failure != null && failure.sticky()) {
                        // taken out earlier: File Install may start it again; it stays out
                        takeOutAgain(plugin);
                    }
                }
                case BundleEvent.STOPPING -> plugin.packages(packagesOf(bundle));
                case BundleEvent.STOPPED -> {
                    if (plugin.wasStarting()) {
                        plugin.starting(false);
                        probeActivation(plugin);
                    } else {
                        logger.info("Plugin {} stopped", plugin.descriptor().name());
                        publish(PluginEvents.STOPPED, plugin, "");
                        checkLeaks(plugin);
                    }
                }
                case BundleEvent.UPDATED, BundleEvent.UNRESOLVED -> {
                    plugin.resetActivationProbe();
                    verdicts.remove(bundle.getBundleId());
                }
                default -> {}
            }
            if (event.getType() == BundleEvent.UPDATED) {
                // an update is a new plugin: drop the record, the tracker adds it afresh
                plugins.remove(bundle.getBundleId());
                bundles.remove(bundle);
                return;
            }
            publishStateChange(plugin);
        }

        @Override
        public void removedBundle(Bundle bundle, BundleEvent event, PluginRecord plugin) {
            plugins.remove(bundle.getBundleId(), plugin);
            verdicts.remove(bundle.getBundleId());
            if (event != null && event.getType() == BundleEvent.UNINSTALLED) {
                logger.info("Plugin {} uninstalled", plugin.descriptor().name());
                publish(PluginEvents.UNINSTALLED, plugin, "");
                // a moment later: the rest of its feature's bundles go in the same pass
                scheduler.schedule(
                        "collect uninstalled plugin bundles",
                        PluginExtender.this::collectUninstalled,
                        Duration.ofMillis(200));
            }
        }
    }

    private Function<Bundle, Optional<String>> trustCheck(Config config) {
        Path source = SignatureCheck.source(config.trustedCertificates());
        SignatureCheck check;
        try {
            check = SignatureCheck.trusting(source);
        } catch (IOException unreadable) {
            String reason = "trusted certificates cannot be read: " + unreadable.getMessage();
            logger.error("Plugin signatures are required, but {}: every plugin is refused", reason);
            return bundle -> Optional.of(reason);
        }
        logger.info(
                "Plugins must be signed by one of {} trusted certificate(s) from {}",
                check.trustedCount(),
                source);
        return bundle -> check.refusal(bundle.getLocation());
    }

    /** Why a plugin bundle is refused for its signature; empty when it is not refused. */
    private Optional<String> refusal(Bundle bundle) {
        return verdicts.computeIfAbsent(
                bundle.getBundleId(),
                id ->
                        bundle.getHeaders("").get(PluginDescriptor.NAME_HEADER) == null
                                ? Optional.empty()
                                : trust.apply(bundle));
    }

    /**
     * Keeps refused plugins from resolving, so none of their code ever runs: no requirement of
     * theirs finds a provider. (Not filterResolvable: when a hook removes a revision there, Felix 7
     * also hides every already resolved bundle's capabilities from that resolve.)
     */
    private final class TrustHook implements ResolverHook {
        @Override
        public void filterResolvable(Collection<BundleRevision> candidates) {}

        @Override
        public void filterSingletonCollisions(
                BundleCapability singleton, Collection<BundleCapability> collisionCandidates) {}

        @Override
        public void filterMatches(
                BundleRequirement requirement, Collection<BundleCapability> candidates) {
            Bundle requirer = requirement.getRevision().getBundle();
            if (requirer.getBundleId() != 0 && refusal(requirer).isPresent()) {
                candidates.clear();
            }
        }

        @Override
        public void end() {}
    }

    private void takeOutAgain(PluginRecord plugin) {
        Bundle bundle = plugin.bundle();
        scheduler.submit(
                "stop plugin " + plugin.descriptor().name(),
                () -> {
                    bundle.stop(Bundle.STOP_TRANSIENT);
                    return null;
                },
                stopTimeout);
    }

    /** Finds the runtimes and engines that plugins register, and self-tests them. */
    private final class Services implements ServiceTrackerCustomizer<Object, Long> {
        @Override
        public Long addingService(ServiceReference<Object> reference) {
            PluginRecord plugin = plugins.get(reference.getBundle().getBundleId());
            if (plugin == null) {
                return null;
            }
            long serviceId = (Long) reference.getProperty("service.id");
            String key = keyOf(reference);
            plugin.contributionAdded(serviceId, key);
            // a plugin already reported active goes back to pending here, so that its self-tested
            // runtime or engine is announced by a new plugin.active (else the state would read
            // ACTIVE before and after, and no event would name what it now provides)
            publishStateChange(plugin);
            selfTest(plugin, reference, key);
            return serviceId;
        }

        @Override
        public void modifiedService(ServiceReference<Object> reference, Long serviceId) {}

        @Override
        public void removedService(ServiceReference<Object> reference, Long serviceId) {
            Bundle owner = reference.getBundle();
            PluginRecord plugin =
                    owner == null ? findByService(serviceId) : plugins.get(owner.getBundleId());
            if (plugin != null) {
                plugin.contributionRemoved(serviceId);
                publishStateChange(plugin);
            }
        }

        private PluginRecord findByService(long serviceId) {
            for (PluginRecord plugin : plugins.values()) {
                plugin.contributionRemoved(serviceId);
            }
            return null;
        }

        private String keyOf(ServiceReference<Object> reference) {
            String[] classes = (String[]) reference.getProperty("objectClass");
            boolean runtime = List.of(classes).contains(ContainerRuntime.class.getName());
            Object name =
                    reference.getProperty(
                            runtime
                                    ? ContainerRuntime.NAME_PROPERTY
                                    : InferenceEngine.NAME_PROPERTY);
            return (runtime ? "runtime:" : "engine:") + (name == null ? "unnamed" : name);
        }
    }
}
