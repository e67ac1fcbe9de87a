package ai.hanzo.node.core.internal;

import ai.hanzo.node.api.node.NodeLifecycle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGTERM and SIGINT into a graceful stop: drain the node, then stop the framework, so that
 * the launcher exits 0. A second signal while draining stops the process at once (exit 130), as
 * Docker does on a second Ctrl-C.
 */
@Component(immediate = true, configurationPid = "ai.hanzo.node.core")
public final class SignalShutdown {
    private static final List<String> SIGNALS = List.of("TERM", "INT");

    private final Logger logger = LoggerFactory.getLogger(SignalShutdown.class);
    private final BundleContext context;
    private final NodeLifecycle lifecycle;
    private final Duration drainTimeout;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final List<Signal> handled = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();

    /**
     * @param context the bundle context, to stop the framework
     * @param lifecycle the node to drain
     * @param configuration the core configuration
     */
    @Activate
    public SignalShutdown(
            BundleContext context,
            @Reference NodeLifecycle lifecycle,
            CoreConfiguration configuration) {
        this.context = context;
        this.lifecycle = lifecycle;
        this.drainTimeout = Duration.ofSeconds(Math.max(1, configuration.drainTimeoutSeconds()));
        if (!configuration.handleSignals()) {
            return;
        }
        for (String name : SIGNALS) {
            try {
                Signal signal = new Signal(name);
                previous.add(Signal.handle(signal, this::onSignal));
                handled.add(signal);
            } catch (IllegalArgumentException e) {
                logger.warn(
                        "Cannot handle SIG{} on this JVM ({}); the node will not drain on it",
                        name,
                        e.getMessage());
            }
        }
    }

    @Deactivate
    void deactivate() {
        for (int i = 0; i < handled.size(); i++) {
            Signal.handle(handled.get(i), previous.get(i));
        }
    }

    private void onSignal(Signal signal) {
        if (!stopping.compareAndSet(false, true)) {
            logger.warn(
                    "SIG{} received again while draining; stopping now without waiting",
                    signal.getName());
            Runtime.getRuntime().halt(130);
            return;
        }
        logger.info("SIG{} received: draining, then stopping", signal.getName());
        // A thread of its own, not the NodeScheduler: it stops the framework, and with it the
        // scheduler, so it must not be one of the scheduler's threads.
        Thread shutdown =
                new Thread(
                        () -> {
                            lifecycle.drain("SIG" + signal.getName() + " received", drainTimeout);
                            try {
                                context.getBundle(0).stop();
                            } catch (BundleException | IllegalStateException e) {
                                logger.error(
                                        "Stopping the framework failed: {}; exiting",
                                        e.toString(),
                                        e);
                                Runtime.getRuntime().halt(1);
                            }
                        },
                        "hanzo-shutdown");
        shutdown.start();
    }
}
