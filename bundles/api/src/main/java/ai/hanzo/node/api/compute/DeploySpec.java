package ai.hanzo.node.api.compute;

import java.util.Optional;

/**
 * Compose {@code deploy} section (wire message {@code DeploySpec}).
 *
 * @param replicas the number of containers to run; 0 in the wire message means "not given" (1)
 * @param resources resource limits and reservations, if given
 */
public record DeploySpec(int replicas, Optional<ResourceSpec> resources) {}
