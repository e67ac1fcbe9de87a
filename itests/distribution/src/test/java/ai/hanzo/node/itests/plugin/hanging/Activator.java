package ai.hanzo.node.itests.plugin.hanging;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.itests.plugin.TestEngine;
import java.util.concurrent.CountDownLatch;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** A plugin whose engine's self-test never answers (until interrupted). */
public final class Activator implements BundleActivator {
    private final CountDownLatch never = new CountDownLatch(1);

    @Override
    public void start(BundleContext context) {
        TestEngine.register(
                context,
                new TestEngine(
                        "itest-hanging",
                        () -> {
                            try {
                                never.await();
                            } catch (InterruptedException interrupted) {
                                Thread.currentThread().interrupt();
                            }
                            return Availability.ok();
                        }));
    }

    @Override
    public void stop(BundleContext context) {}
}
