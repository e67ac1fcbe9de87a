package ai.hanzo.node.api.node;

import ai.hanzo.node.api.Availability;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The outcome of one plugin's self-test, as {@link NodeProfile} last saw it.
 *
 * @param kind {@code runtime} or {@code engine}
 * @param name the plugin's name
 * @param availability whether it passed, and why not (a self-test that threw or ran out of time is
 *     unavailable, with that as the reason)
 * @param took how long the self-test ran
 * @param checkedAt when it finished
 */
public record SelfTestResult(
        String kind, String name, Availability availability, Duration took, Instant checkedAt) {
    /** Rejects missing values. */
    public SelfTestResult {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(availability, "availability");
        Objects.requireNonNull(took, "took");
        Objects.requireNonNull(checkedAt, "checkedAt");
    }
}
