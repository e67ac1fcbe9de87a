package ai.hanzo.node.api.plugin;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The plugins installed on this node and a guarded way to call into them. Provided by the node's
 * plugin extender.
 */
@ProviderType
public interface PluginRegistry {
    /**
     * @return every installed plugin, ordered by name
     */
    List<PluginInfo> list();

    /**
     * @param name a plugin name
     * @return that plugin, or empty when none of that name is installed
     */
    Optional<PluginInfo> get(String name);

    /**
     * Runs a call into a service object off the caller's thread, with a deadline. When the object
     * comes from a plugin, a failure or timeout is counted against that plugin, and a plugin that
     * keeps failing is marked {@link PluginState#FAILED} and stopped, which withdraws its services.
     * Objects from the node's own bundles are called the same way but never counted.
     *
     * @param service the service object the call goes to (identifies the plugin)
     * @param operation what the call does, for logs and messages (for example {@code "create"})
     * @param call the call
     * @param timeout how long it may take
     * @param <T> its result
     * @return its result; failed with {@link ai.hanzo.node.api.DeadlineExceededException} on
     *     timeout, with {@link ai.hanzo.node.api.UnavailableException} when the plugin is marked
     *     failed, or with the call's own exception
     */
    <T> CompletableFuture<T> call(
            Object service, String operation, Callable<T> call, Duration timeout);
}
