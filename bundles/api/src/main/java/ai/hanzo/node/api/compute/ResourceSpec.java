package ai.hanzo.node.api.compute;

import java.util.Optional;

/**
 * Resource limits and reservations (wire message {@code ResourceSpec}).
 *
 * @param limits the most a container may use
 * @param reservations what must be free for it to be placed
 */
public record ResourceSpec(
        Optional<ResourceLimits> limits, Optional<ResourceLimits> reservations) {}
