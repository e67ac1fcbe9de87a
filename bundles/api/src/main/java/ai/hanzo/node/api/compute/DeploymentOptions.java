package ai.hanzo.node.api.compute;

import java.util.Map;
import java.util.Optional;

/**
 * How a deployment is placed (wire message {@code DeploymentOptions}).
 *
 * @param namespace a grouping of deployments, or empty
 * @param environment an environment label such as "production", or empty
 * @param labels labels put on every container of the deployment
 * @param resourceLimits limits applied to services that set none, if given
 * @param runtime the container runtime to use, or empty to let the node choose
 */
public record DeploymentOptions(
        String namespace,
        String environment,
        Map<String, String> labels,
        Optional<ResourceLimits> resourceLimits,
        String runtime) {
    /** Copies the map so the options are immutable. */
    public DeploymentOptions {
        labels = Map.copyOf(labels);
    }

    /**
     * @return options with nothing set
     */
    public static DeploymentOptions none() {
        return new DeploymentOptions("", "", Map.of(), Optional.empty(), "");
    }
}
