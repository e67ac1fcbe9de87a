package ai.hanzo.node.api.compute;

import java.util.Map;
import java.util.Objects;

/**
 * A request to deploy an application.
 *
 * @param deploymentId the id to use, or empty to have the node assign a UUID
 * @param name the human-readable name, or empty to use the spec's name
 * @param spec the application
 * @param environment environment variables added to every service
 * @param options placement options
 */
public record DeploymentRequest(
        String deploymentId,
        String name,
        ComposeSpec spec,
        Map<String, String> environment,
        DeploymentOptions options) {
    /** Rejects missing values and copies the map. */
    public DeploymentRequest {
        Objects.requireNonNull(deploymentId, "deploymentId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(options, "options");
        environment = Map.copyOf(environment);
    }

    /** Renders the request without the environment's values, which may be secrets. */
    @Override
    public String toString() {
        return "DeploymentRequest[deploymentId="
                + deploymentId
                + ", name="
                + name
                + ", spec="
                + spec
                + ", environment keys="
                + environment.keySet()
                + ", options="
                + options
                + "]";
    }
}
