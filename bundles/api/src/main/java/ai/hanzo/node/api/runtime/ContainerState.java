package ai.hanzo.node.api.runtime;

import java.util.Locale;

/** The lifecycle state of one container, as every runtime reports it. */
public enum ContainerState {
    /** Created, never started. */
    CREATED,
    /** Running. */
    RUNNING,
    /** Paused. */
    PAUSED,
    /** Being restarted by the runtime. */
    RESTARTING,
    /** Exited; {@link ContainerStatus#exitCode()} says how. */
    EXITED,
    /** Could not be stopped or removed cleanly. */
    DEAD,
    /** The runtime does not know the container any more. */
    UNKNOWN;

    /**
     * @return the lowercase name used in {@code ContainerInfo.state} on the wire
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
