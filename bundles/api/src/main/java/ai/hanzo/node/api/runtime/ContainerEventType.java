package ai.hanzo.node.api.runtime;

import java.util.Locale;

/** What happened to a container, in a {@link ContainerEvent}. */
public enum ContainerEventType {
    /** It was created. */
    CREATED,
    /** It started (again). */
    STARTED,
    /** Its main process ended, by itself or because it was stopped or killed. */
    DIED,
    /** The kernel killed it for exceeding its memory limit (a {@link #DIED} follows). */
    OOM,
    /** Its health changed; {@link ContainerEvent#health()} says to what. */
    HEALTH,
    /** It was removed. */
    REMOVED;

    /**
     * @return the lowercase name, used as the {@code action} attribute of node events
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
