package ai.hanzo.node.api.runtime;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a runtime reports about one container (wire message {@code ContainerInfo}).
 *
 * @param id the runtime's id for it
 * @param name its name
 * @param image its image
 * @param runtime the name of the runtime that runs it
 * @param state its state
 * @param status the runtime's own status text, such as "Up 5 minutes"
 * @param createdAt when it was created
 * @param startedAt when it was last started, if ever
 * @param finishedAt when it last exited, if it did
 * @param exitCode its exit code once exited, if known (a process runtime that re-adopted a process
 *     after a node restart cannot know it)
 * @param health the result of its healthcheck
 * @param restartCount how many times it was started again after it exited
 * @param ports its published ports
 * @param labels its labels
 */
public record ContainerStatus(
        String id,
        String name,
        String image,
        String runtime,
        ContainerState state,
        String status,
        Instant createdAt,
        Optional<Instant> startedAt,
        Optional<Instant> finishedAt,
        Optional<Integer> exitCode,
        ContainerHealth health,
        int restartCount,
        List<PortMapping> ports,
        Map<String, String> labels) {
    /** Rejects missing values and copies the collections so the value is immutable. */
    public ContainerStatus {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        Objects.requireNonNull(exitCode, "exitCode");
        Objects.requireNonNull(health, "health");
        ports = List.copyOf(ports);
        labels = Map.copyOf(labels);
    }

    /**
     * @return whether the container counts as ready: running, and healthy when it has a healthcheck
     */
    public boolean ready() {
        return state == ContainerState.RUNNING
                && (health == ContainerHealth.NONE || health == ContainerHealth.HEALTHY);
    }
}
