package ai.hanzo.node.api.node;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Implemented by any bundle that wants its part's health to count in the node's health. Register it
 * as an OSGi service; {@link NodeLifecycle#health()} asks every registered indicator.
 */
@ConsumerType
public interface HealthIndicator {
    /**
     * Reports the part's health. Called on health requests: it must return quickly (well under a
     * second) and must not throw; a thrown exception counts as {@link HealthStatus#UNHEALTHY}.
     *
     * @return the part's current health
     */
    HealthCheck check();
}
