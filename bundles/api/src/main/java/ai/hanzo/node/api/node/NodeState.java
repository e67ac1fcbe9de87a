package ai.hanzo.node.api.node;

/**
 * The node's lifecycle: {@code STARTING -> READY -> DRAINING -> STOPPED}. Transitions only move
 * forward; a stopped node is restarted as a new process.
 */
public enum NodeState {
    /** Bundles are starting; no work is accepted yet. */
    STARTING,
    /** Accepting and running work. */
    READY,
    /** Refusing new work and stopping active deployments gracefully before shutdown. */
    DRAINING,
    /** Drained; the process is about to exit. */
    STOPPED;

    /**
     * @return the health this state implies before any part reports a problem
     */
    public HealthStatus health() {
        return switch (this) {
            case READY -> HealthStatus.HEALTHY;
            case STARTING, DRAINING -> HealthStatus.DEGRADED;
            case STOPPED -> HealthStatus.UNHEALTHY;
        };
    }

    /**
     * @return whether new deployments and inference requests are accepted in this state
     */
    public boolean acceptsWork() {
        return this == READY;
    }

    /**
     * @param next the state to move to
     * @return whether the lifecycle allows moving from this state to {@code next}
     */
    public boolean canMoveTo(NodeState next) {
        return next.ordinal() > ordinal();
    }
}
