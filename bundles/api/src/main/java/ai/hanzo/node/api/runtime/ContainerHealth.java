package ai.hanzo.node.api.runtime;

import java.util.Locale;

/** The result of a container's healthcheck, as the runtime last saw it. */
public enum ContainerHealth {
    /** The container has no healthcheck. */
    NONE,
    /** Within its start period, or no check has passed or failed enough times yet. */
    STARTING,
    /** The last check passed. */
    HEALTHY,
    /** The check failed {@code retries} times in a row. */
    UNHEALTHY;

    /**
     * @return the lowercase name, as Docker and the wire spell it
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
