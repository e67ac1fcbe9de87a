package ai.hanzo.node.api.node;

import java.util.List;

/**
 * The node's overall health: the worst of what its lifecycle state implies and what its parts
 * report.
 *
 * @param status the overall health
 * @param state the lifecycle state it was derived from
 * @param checks the reports of the individual parts
 */
public record HealthReport(HealthStatus status, NodeState state, List<HealthCheck> checks) {
    /** Copies the list so the report is immutable. */
    public HealthReport {
        checks = List.copyOf(checks);
    }
}
