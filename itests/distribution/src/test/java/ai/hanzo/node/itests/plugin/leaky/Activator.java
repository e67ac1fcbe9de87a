package ai.hanzo.node.itests.plugin.leaky;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.itests.plugin.TestEngine;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** A plugin that starts a thread and leaves it running when it stops. */
public final class Activator implements BundleActivator {
    private final Object never = new Object();

    @Override
    public void start(BundleContext context) {
        Thread thread = new Thread(this::idle, "itest-leaky-worker");
        thread.setDaemon(true);
        thread.start();
        TestEngine.register(context, new TestEngine("itest-leaky", Availability::ok));
    }

    private void idle() {
        synchronized (never) {
            try {
                never.wait();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void stop(BundleContext context) {}
}
