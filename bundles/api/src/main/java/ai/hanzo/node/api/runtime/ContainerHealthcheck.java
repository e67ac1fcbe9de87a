package ai.hanzo.node.api.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A healthcheck the runtime runs inside a container and reports through {@link
 * ContainerStatus#health()} and {@link ContainerEventType#HEALTH} events. The orchestrator derives
 * it from a compose {@code healthcheck}, with compose's defaults already applied.
 *
 * @param test {@code ["CMD", exe, args...]} runs an argument vector, {@code ["CMD-SHELL",
 *     "script"]} runs the script with the container's shell; exit 0 passes, anything else fails
 * @param interval time between the end of one check and the start of the next
 * @param timeout how long one check may take before it counts as failed
 * @param retries consecutive failures after which the container is {@link
 *     ContainerHealth#UNHEALTHY}
 * @param startPeriod time after start in which failures do not count (a pass counts)
 */
public record ContainerHealthcheck(
        List<String> test, Duration interval, Duration timeout, int retries, Duration startPeriod) {
    /** Rejects missing values and copies the test so the value is immutable. */
    public ContainerHealthcheck {
        test = List.copyOf(test);
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(startPeriod, "startPeriod");
    }
}
