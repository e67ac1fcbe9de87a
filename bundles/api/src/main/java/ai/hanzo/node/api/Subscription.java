package ai.hanzo.node.api;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A registration of a listener or a running stream that the holder ends by closing it. Closing
 * twice is harmless. Subscriptions die with the bundle that made them only if the holder closes
 * them in its deactivation: close them there.
 */
@ProviderType
@FunctionalInterface
public interface Subscription extends AutoCloseable {
    /** Ends the subscription; no callback starts after this returns. */
    @Override
    void close();
}
