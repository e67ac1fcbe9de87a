package ai.hanzo.node.api.node;

import java.util.Objects;

/**
 * The health of one part of the node.
 *
 * @param name the part (for example "store", "runtime:docker")
 * @param status its health
 * @param detail what is wrong, or a short description when healthy; never a stack trace
 */
public record HealthCheck(String name, HealthStatus status, String detail) {
    /** Rejects missing values. */
    public HealthCheck {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
    }
}
