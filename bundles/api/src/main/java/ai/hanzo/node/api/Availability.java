package ai.hanzo.node.api;

import java.util.Objects;

/**
 * The result of a self-test: whether a runtime, engine or other pluggable part can be used on this
 * machine and, when it cannot, why (shown to operators as is).
 *
 * @param available whether the part can be used now
 * @param reason why it cannot be used; empty when available
 */
public record Availability(boolean available, String reason) {
    /** Checks that an unavailable part always says why. */
    public Availability {
        Objects.requireNonNull(reason, "reason");
        if (!available && reason.isBlank()) {
            throw new IllegalArgumentException("an unavailable part must say why");
        }
    }

    /**
     * @return an availability that says the part can be used
     */
    public static Availability ok() {
        return new Availability(true, "");
    }

    /**
     * @param reason why the part cannot be used, for example "no Docker socket at
     *     /var/run/docker.sock"
     * @return an availability that says the part cannot be used
     */
    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }
}
