package ai.hanzo.node.api.event;

/** The event types the node itself emits. Plugins may emit their own, under their own prefix. */
public final class EventTypes {
    /** The node lifecycle state changed; attributes {@code from}, {@code to}. */
    public static final String NODE_STATE = "node.state";

    /** A deployment moved to another state; attribute {@code state}. */
    public static final String DEPLOYMENT_STATE = "deployment.state";

    /** A container was created, started, stopped, died or was removed; attribute {@code action}. */
    public static final String CONTAINER = "container";

    /** A runtime or engine plugin came or went; attributes {@code kind}, {@code name}. */
    public static final String PLUGIN = "plugin";

    /** A model was loaded or unloaded. */
    public static final String MODEL = "model";

    /** A peer connected or disconnected. */
    public static final String PEER = "peer";

    private EventTypes() {}
}
