package ai.hanzo.node.api.compute;

import java.util.Map;
import java.util.Objects;

/**
 * A deployment's state in brief (wire message {@code DeploymentStatus}).
 *
 * @param deploymentId the id
 * @param name the name
 * @param state the state
 * @param replicas desired containers over all services
 * @param readyReplicas containers that pass their healthcheck now (or run, for services without
 *     one), over all services
 * @param message why the deployment is in its state (failures, limits not enforced), or empty
 * @param runtime the runtime it runs on
 * @param services each service's status, by service name
 */
public record DeploymentStatus(
        String deploymentId,
        String name,
        DeploymentState state,
        int replicas,
        int readyReplicas,
        String message,
        String runtime,
        Map<String, ServiceStatus> services) {
    /** Rejects missing values and copies the map so the value is immutable. */
    public DeploymentStatus {
        Objects.requireNonNull(deploymentId, "deploymentId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(runtime, "runtime");
        services = Map.copyOf(services);
    }
}
