package ai.hanzo.node.itests.plugin.garbage;

import ai.hanzo.node.itests.plugin.TestEngine;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** A plugin whose engine's self-test answers null, which the contract does not allow. */
public final class Activator implements BundleActivator {
    @Override
    public void start(BundleContext context) {
        TestEngine.register(context, new TestEngine("itest-garbage", () -> null));
    }

    @Override
    public void stop(BundleContext context) {}
}
