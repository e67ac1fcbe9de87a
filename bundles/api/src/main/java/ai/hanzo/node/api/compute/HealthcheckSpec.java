package ai.hanzo.node.api.compute;

import java.util.List;

/**
 * Compose health check (wire message {@code HealthcheckSpec}).
 *
 * @param test the check command, such as {@code ["CMD", "curl", "-f", "http://localhost"]}
 * @param interval time between checks, such as {@code "30s"}
 * @param timeout how long one check may take
 * @param retries consecutive failures before the container is unhealthy
 * @param startPeriod grace time after start in which failures do not count
 */
public record HealthcheckSpec(
        List<String> test, String interval, String timeout, int retries, String startPeriod) {
    /** Copies the list so the spec is immutable. */
    public HealthcheckSpec {
        test = List.copyOf(test);
    }
}
