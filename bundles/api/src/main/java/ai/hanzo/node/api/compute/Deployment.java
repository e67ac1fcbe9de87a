package ai.hanzo.node.api.compute;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A deployment as the node keeps it: what was asked for and where it stands.
 *
 * @param id the deployment id
 * @param name the human-readable name
 * @param spec the application
 * @param environment environment variables added to every service
 * @param options placement options
 * @param replicas the desired replica count per service name (changed by scaling)
 * @param state the current state
 * @param message why the deployment is in its state, for failures in particular
 * @param createdAt when it was accepted
 * @param updatedAt when it last changed
 */
public record Deployment(
        String id,
        String name,
        ComposeSpec spec,
        Map<String, String> environment,
        DeploymentOptions options,
        Map<String, Integer> replicas,
        DeploymentState state,
        String message,
        Instant createdAt,
        Instant updatedAt) {
    /** Rejects missing values and copies the maps so the value is immutable. */
    public Deployment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        environment = Map.copyOf(environment);
        replicas = Map.copyOf(replicas);
    }

    /** Renders the deployment without the environment's values, which may be secrets. */
    @Override
    public String toString() {
        return "Deployment[id="
                + id
                + ", name="
                + name
                + ", spec="
                + spec
                + ", environment keys="
                + environment.keySet()
                + ", options="
                + options
                + ", replicas="
                + replicas
                + ", state="
                + state
                + ", message="
                + message
                + "]";
    }

    /**
     * @param next the new state
     * @param why the reason
     * @param at when
     * @return this deployment in {@code next}
     */
    public Deployment withState(DeploymentState next, String why, Instant at) {
        return new Deployment(
                id, name, spec, environment, options, replicas, next, why, createdAt, at);
    }
}
