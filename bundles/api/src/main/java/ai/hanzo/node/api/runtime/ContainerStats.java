package ai.hanzo.node.api.runtime;

import java.time.Instant;

/**
 * Resource use of one container at one moment.
 *
 * @param timestamp when it was measured
 * @param cpuUsage CPU use as a ratio 0..1 of the node's cores
 * @param memoryBytes memory in use
 * @param memoryLimitBytes the memory limit, 0 if none
 * @param networkRxBytes bytes received since the container started
 * @param networkTxBytes bytes sent since the container started
 */
public record ContainerStats(
        Instant timestamp,
        double cpuUsage,
        long memoryBytes,
        long memoryLimitBytes,
        long networkRxBytes,
        long networkTxBytes) {}
