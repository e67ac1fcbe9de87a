package ai.hanzo.node.api.node;

/**
 * The node's health as reported to load balancers and the network (wire enum {@code HealthStatus}).
 */
public enum HealthStatus {
    /** Serving normally. */
    HEALTHY,
    /** Up but not fully serving: starting, draining, or a part reports a problem. */
    DEGRADED,
    /** Not serving. */
    UNHEALTHY
}
