package ai.hanzo.node.api.compute;

import ai.hanzo.node.api.runtime.ContainerState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A container the node created for a deployment, as the node keeps it.
 *
 * @param id the runtime's container id
 * @param deploymentId the deployment it belongs to
 * @param service the service of the deployment it runs
 * @param replica its replica index within the service, from 0
 * @param runtime the name of the runtime that runs it
 * @param name its name
 * @param image its image
 * @param state its last observed state
 * @param createdAt when it was created
 * @param ports its published ports, such as {@code "127.0.0.1:8080->80/tcp"}
 * @param labels its labels
 */
public record ContainerRecord(
        String id,
        String deploymentId,
        String service,
        int replica,
        String runtime,
        String name,
        String image,
        ContainerState state,
        Instant createdAt,
        List<String> ports,
        Map<String, String> labels) {
    /** Rejects missing values and copies the collections so the value is immutable. */
    public ContainerRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(deploymentId, "deploymentId");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        ports = List.copyOf(ports);
        labels = Map.copyOf(labels);
    }
}
