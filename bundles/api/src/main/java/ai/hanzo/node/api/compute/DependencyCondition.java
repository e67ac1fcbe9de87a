package ai.hanzo.node.api.compute;

import java.util.Locale;
import java.util.Optional;

/** When a service's dependency counts as met (compose {@code depends_on.<service>.condition}). */
public enum DependencyCondition {
    /** The dependency's containers have started (compose's default). */
    SERVICE_STARTED,
    /** The dependency's containers pass their healthcheck. */
    SERVICE_HEALTHY,
    /** The dependency's containers have exited with code 0. */
    SERVICE_COMPLETED_SUCCESSFULLY;

    /**
     * @return the compose spelling, such as {@code service_healthy}
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param wireName a compose spelling; empty means {@link #SERVICE_STARTED}
     * @return the condition, if the spelling is known
     */
    public static Optional<DependencyCondition> fromWireName(String wireName) {
        if (wireName == null || wireName.isBlank()) {
            return Optional.of(SERVICE_STARTED);
        }
        for (DependencyCondition c : values()) {
            if (c.wireName().equals(wireName.trim().toLowerCase(Locale.ROOT))) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
