package ai.hanzo.node.api.compute;

import java.util.List;

/**
 * What a deploy returned (wire message {@code DeployResponse}).
 *
 * @param deploymentId the id, assigned by the node when the request had none
 * @param message a summary
 * @param endpoints the addresses at which the deployment's published ports answer
 */
public record DeploymentResult(String deploymentId, String message, List<String> endpoints) {
    /** Copies the list so the value is immutable. */
    public DeploymentResult {
        endpoints = List.copyOf(endpoints);
    }
}
