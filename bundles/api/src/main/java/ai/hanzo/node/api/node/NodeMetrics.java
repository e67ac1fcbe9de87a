package ai.hanzo.node.api.node;

/**
 * Resource usage of the node at one moment (wire message {@code NodeMetrics}).
 *
 * @param cpuUsage CPU use as a ratio 0..1 of all cores
 * @param memoryUsage memory use as a ratio 0..1
 * @param diskUsage disk use of the data directory's file system as a ratio 0..1
 * @param networkRxBytesPerSecond bytes received per second over the last interval
 * @param networkTxBytesPerSecond bytes sent per second over the last interval
 * @param activeContainers containers running now
 */
public record NodeMetrics(
        double cpuUsage,
        double memoryUsage,
        double diskUsage,
        double networkRxBytesPerSecond,
        double networkTxBytesPerSecond,
        int activeContainers) {}
