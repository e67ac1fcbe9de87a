package ai.hanzo.node.api.compute;

/**
 * A deployment's state in brief (wire message {@code DeploymentStatus}).
 *
 * @param deploymentId the id
 * @param name the name
 * @param state the state
 * @param replicas desired containers over all services
 * @param readyReplicas containers running now
 */
public record DeploymentStatus(
        String deploymentId, String name, DeploymentState state, int replicas, int readyReplicas) {}
