package ai.hanzo.node.api.plugin;

/**
 * Event types the plugin extender publishes on the {@link ai.hanzo.node.api.event.EventBus}. Each
 * event has resource type {@value #RESOURCE_TYPE}, the plugin's name as resource id, and the
 * attributes {@code version}, {@code kind}, {@code bundleId}, and {@code reason} when there is one.
 */
public final class PluginEvents {
    /** Resource type of plugin events. */
    public static final String RESOURCE_TYPE = "plugin";

    /** A plugin bundle was installed. */
    public static final String INSTALLED = "plugin.installed";

    /** A plugin bundle started (its services may still be self-testing). */
    public static final String STARTED = "plugin.started";

    /**
     * A plugin became {@link PluginState#ACTIVE}: started, and its runtimes and engines passed
     * their self-tests; attribute {@code provides} lists their capability keys, comma-separated.
     */
    public static final String ACTIVE = "plugin.active";

    /** A plugin bundle stopped. */
    public static final String STOPPED = "plugin.stopped";

    /** A plugin bundle was uninstalled. */
    public static final String UNINSTALLED = "plugin.uninstalled";

    /** A plugin was refused or taken out; attribute {@code reason} says why. */
    public static final String FAILED = "plugin.failed";

    /** A plugin's runtime or engine reported itself unavailable; attribute {@code reason}. */
    public static final String UNAVAILABLE = "plugin.unavailable";

    private PluginEvents() {}
}
