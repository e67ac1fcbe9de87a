package ai.hanzo.node.api.compute;

import java.util.Map;
import java.util.Optional;

/**
 * How a deployment is placed (wire message {@code DeploymentOptions}). The runtime is chosen with
 * the label {@value #RUNTIME_LABEL}; without it the node picks {@code docker} when an engine
 * answers and every service has an image, else {@code process}.
 *
 * @param namespace a grouping of deployments, or empty
 * @param environment an environment label such as "production", or empty
 * @param labels labels put on every container of the deployment
 * @param resourceLimits limits applied to services that set none, if given
 */
public record DeploymentOptions(
        String namespace,
        String environment,
        Map<String, String> labels,
        Optional<ResourceLimits> resourceLimits) {
    /** The label that names the container runtime a deployment runs on. */
    public static final String RUNTIME_LABEL = "hanzo.runtime";

    /** Copies the map so the options are immutable. */
    public DeploymentOptions {
        labels = Map.copyOf(labels);
    }

    /**
     * @return the runtime named by {@value #RUNTIME_LABEL}, if any
     */
    public Optional<String> runtime() {
        return Optional.ofNullable(labels.get(RUNTIME_LABEL))
                .map(String::trim)
                .filter(r -> !r.isEmpty());
    }

    /**
     * @return options with nothing set
     */
    public static DeploymentOptions none() {
        return new DeploymentOptions("", "", Map.of(), Optional.empty());
    }

    /**
     * @param runtime a runtime name
     * @return options that only choose {@code runtime}
     */
    public static DeploymentOptions onRuntime(String runtime) {
        return new DeploymentOptions("", "", Map.of(RUNTIME_LABEL, runtime), Optional.empty());
    }
}
