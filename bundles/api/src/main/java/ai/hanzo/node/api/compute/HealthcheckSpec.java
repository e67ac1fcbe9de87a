package ai.hanzo.node.api.compute;

import java.util.List;

/**
 * Compose health check (wire message {@code HealthcheckSpec}). Empty values take compose's
 * defaults: interval 30 s, timeout 30 s, retries 3, start period 0.
 *
 * @param test the check: {@code ["CMD", exe, args...]}, {@code ["CMD-SHELL", "script"]}, or {@code
 *     ["NONE"]} to disable a check the image defines
 * @param interval time between checks, such as {@code "30s"}, or empty
 * @param timeout how long one check may take, or empty
 * @param retries consecutive failures before the container is unhealthy, 0 for the default
 * @param startPeriod grace time after start in which failures do not count, or empty
 */
public record HealthcheckSpec(
        List<String> test, String interval, String timeout, int retries, String startPeriod) {
    /** Copies the list so the spec is immutable. */
    public HealthcheckSpec {
        test = List.copyOf(test);
    }
}
