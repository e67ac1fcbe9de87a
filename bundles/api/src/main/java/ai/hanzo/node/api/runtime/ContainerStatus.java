package ai.hanzo.node.api.runtime;

import java.time.Instant;
import java.util.List;
import java.util.Map;
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
 * @param exitCode its exit code once exited
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
        Optional<Integer> exitCode,
        List<PortMapping> ports,
        Map<String, String> labels) {
    /** Copies the collections so the value is immutable. */
    public ContainerStatus {
        ports = List.copyOf(ports);
        labels = Map.copyOf(labels);
    }
}
