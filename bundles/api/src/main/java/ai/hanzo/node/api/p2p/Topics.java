package ai.hanzo.node.api.p2p;

/** The pubsub topics of the Hanzo network. */
public final class Topics {
    /** Signed node heartbeats: node id, capabilities, load, endpoints. */
    public static final String HEARTBEAT = "hanzo/heartbeat/v1";

    /** Capability and deployment changes. */
    public static final String DEPLOYMENTS = "hanzo/deployments/v1";

    /** Node metrics. */
    public static final String METRICS = "hanzo/metrics/v1";

    /** Commands addressed to nodes. */
    public static final String COMMANDS = "hanzo/commands/v1";

    private Topics() {}
}
