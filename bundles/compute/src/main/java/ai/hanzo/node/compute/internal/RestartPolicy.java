package ai.hanzo.node.compute.internal;

import ai.hanzo.node.api.InvalidArgumentException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * A compose restart policy and Docker's back-off: the first restart after 100 ms, each further one
 * after twice the last delay, at most 1 min; a container that ran 10 s resets the delay.
 *
 * @param mode what exits cause a restart
 * @param maxRetries for {@link Mode#ON_FAILURE}: the most restarts, 0 for no limit
 */
public record RestartPolicy(Mode mode, int maxRetries) {
    /** First back-off delay. */
    public static final Duration FIRST_DELAY = Duration.ofMillis(100);

    /** Longest back-off delay. */
    public static final Duration MAX_DELAY = Duration.ofMinutes(1);

    /** Running this long resets the back-off. */
    public static final Duration RESET_AFTER = Duration.ofSeconds(10);

    /** The restart modes of compose. */
    public enum Mode {
        /** Never restart. */
        NO,
        /** Restart whatever the exit. */
        ALWAYS,
        /** Restart on a non-zero (or unknown) exit code. */
        ON_FAILURE,
        /** Like always; an operator's stop is kept. */
        UNLESS_STOPPED
    }

    /**
     * @param field the field, for the message
     * @param value {@code no}, {@code always}, {@code on-failure[:N]}, {@code unless-stopped}, or
     *     empty for {@code always} (the node keeps replicas running, as Swarm does)
     * @return the policy
     */
    public static RestartPolicy parse(String field, String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty() || v.equals("always")) {
            return new RestartPolicy(Mode.ALWAYS, 0);
        }
        if (v.equals("no") || v.equals("none")) {
            return new RestartPolicy(Mode.NO, 0);
        }
        if (v.equals("unless-stopped")) {
            return new RestartPolicy(Mode.UNLESS_STOPPED, 0);
        }
        if (v.equals("on-failure")) {
            return new RestartPolicy(Mode.ON_FAILURE, 0);
        }
        if (v.startsWith("on-failure:")) {
            try {
                int n = Integer.parseInt(v.substring("on-failure:".length()));
                if (n >= 0) {
                    return new RestartPolicy(Mode.ON_FAILURE, n);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new InvalidArgumentException(
                field
                        + ": '"
                        + value
                        + "' is not a restart policy (no, always, on-failure[:N], unless-stopped)");
    }

    /**
     * @param exitCode how the container exited, if known (unknown counts as a failure)
     * @param restartsSoFar restarts already made
     * @return whether to restart it
     */
    public boolean restarts(Optional<Integer> exitCode, int restartsSoFar) {
        return switch (mode) {
            case NO -> false;
            case ALWAYS, UNLESS_STOPPED -> true;
            case ON_FAILURE ->
                    exitCode.map(c -> c != 0).orElse(true)
                            && (maxRetries == 0 || restartsSoFar < maxRetries);
        };
    }

    /**
     * @param previousDelay the delay before the last restart, or null for none yet
     * @param ranFor how long the container ran before it exited
     * @return the delay before the next restart
     */
    public static Duration nextDelay(Duration previousDelay, Duration ranFor) {
        if (previousDelay == null || ranFor.compareTo(RESET_AFTER) >= 0) {
            return FIRST_DELAY;
        }
        Duration doubled = previousDelay.multipliedBy(2);
        return doubled.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : doubled;
    }
}
