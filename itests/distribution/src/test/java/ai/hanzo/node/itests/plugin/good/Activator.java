package ai.hanzo.node.itests.plugin.good;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.itests.plugin.TestEngine;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** A well-behaved plugin: one engine whose self-test passes. */
public final class Activator implements BundleActivator {
    @Override
    public void start(BundleContext context) {
        TestEngine.register(context, new TestEngine("itest-good", Availability::ok));
    }

    @Override
    public void stop(BundleContext context) {}
}
