package ai.hanzo.node.api.runtime;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A change to one container, as a runtime reports it through {@link ContainerRuntime#watch}.
 *
 * @param timestamp when it happened
 * @param containerId the container
 * @param type what happened
 * @param exitCode for {@link ContainerEventType#DIED}: the exit code, if known
 * @param health for {@link ContainerEventType#HEALTH}: the new health; else the current one
 * @param labels the container's labels, so a watcher can tell whose it is without an inspect
 */
public record ContainerEvent(
        Instant timestamp,
        String containerId,
        ContainerEventType type,
        Optional<Integer> exitCode,
        ContainerHealth health,
        Map<String, String> labels) {
    /** Rejects missing values and copies the labels so the value is immutable. */
    public ContainerEvent {
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(exitCode, "exitCode");
        Objects.requireNonNull(health, "health");
        labels = Map.copyOf(labels);
    }
}
