package ai.hanzo.node.api.plugin;

/** Where a plugin is in its life, as the plugin extender sees it. */
public enum PluginState {
    /**
     * Installed but not (yet) in use: resolving, starting, self-testing its runtimes and engines,
     * or stopped by an operator.
     */
    INSTALLED,
    /** Started, and every runtime or engine it registered passed its self-test. */
    ACTIVE,
    /**
     * Started, but a runtime or engine it registered says it cannot work here (the reason says
     * why).
     */
    UNAVAILABLE,
    /**
     * Refused or taken out: it did not resolve or start, kept failing calls, leaked threads, or was
     * not signed by a trusted key. The reason says which; the node left it out.
     */
    FAILED
}
