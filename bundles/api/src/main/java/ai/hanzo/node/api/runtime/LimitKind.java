package ai.hanzo.node.api.runtime;

import java.util.Locale;

/** The kinds of resource limit a {@link ContainerSpec} can set. */
public enum LimitKind {
    /** {@link ContainerSpec#cpuLimit()}. */
    CPU,
    /** {@link ContainerSpec#memoryLimitBytes()}. */
    MEMORY,
    /** {@link ContainerSpec#pidsLimit()}. */
    PIDS,
    /** {@link ContainerSpec#devices()}. */
    DEVICES;

    /**
     * @return the lowercase name, for messages
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
