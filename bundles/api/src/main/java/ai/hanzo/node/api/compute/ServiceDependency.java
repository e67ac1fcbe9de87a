package ai.hanzo.node.api.compute;

import java.util.Objects;

/**
 * One entry of a service's compose {@code depends_on} (wire message {@code DependsOn}).
 *
 * @param condition when the dependency counts as met
 * @param required whether the service must wait for it; a dependency that is not required and not
 *     part of the deployment is ignored
 */
public record ServiceDependency(DependencyCondition condition, boolean required) {
    /** Rejects a missing condition. */
    public ServiceDependency {
        Objects.requireNonNull(condition, "condition");
    }

    /**
     * @return a required dependency on the service having started (compose's short syntax)
     */
    public static ServiceDependency started() {
        return new ServiceDependency(DependencyCondition.SERVICE_STARTED, true);
    }
}
