package ai.hanzo.node.api.plugin;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One plugin as the node sees it now.
 *
 * @param bundleId the OSGi bundle id (changes when the plugin is reinstalled); 0 for a plugin file
 *     that was refused before any bundle of it was installed
 * @param location where it was installed from (for example {@code file:.../deploy/runc.jar})
 * @param descriptor what the plugin says about itself
 * @param state where it is
 * @param reason why it is {@link PluginState#FAILED} or {@link PluginState#UNAVAILABLE}; empty
 *     otherwise
 * @param failures how many calls into it failed or timed out since it was started
 * @param provides what it currently contributes, as capability keys ({@code runtime:<name>}, {@code
 *     engine:<name>})
 * @param since when it entered its current state
 */
public record PluginInfo(
        long bundleId,
        String location,
        PluginDescriptor descriptor,
        PluginState state,
        String reason,
        int failures,
        List<String> provides,
        Instant since) {
    /** Rejects missing values and copies the list. */
    public PluginInfo {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(descriptor, "descriptor");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(since, "since");
        provides = List.copyOf(provides);
    }
}
