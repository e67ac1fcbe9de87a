package ai.hanzo.node.itests.plugin.throwing;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/** A plugin whose activation throws. */
public final class Activator implements BundleActivator {
    @Override
    public void start(BundleContext context) {
        throw new IllegalStateException("itest plugin refuses to start");
    }

    @Override
    public void stop(BundleContext context) {}
}
