package ai.hanzo.node.api.node;

import java.time.Instant;
import java.util.Objects;

/**
 * Node metrics taken at one time, as kept in the metrics history.
 *
 * @param timestamp when the sample was taken (stored at second precision)
 * @param metrics the values
 */
public record MetricsSample(Instant timestamp, NodeMetrics metrics) {
    /** Rejects missing values. */
    public MetricsSample {
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(metrics, "metrics");
    }
}
