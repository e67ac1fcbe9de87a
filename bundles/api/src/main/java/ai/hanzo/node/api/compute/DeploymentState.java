package ai.hanzo.node.api.compute;

import java.util.Locale;

/** The states of a deployment. On the wire they are the lowercase names ({@link #wireName()}). */
public enum DeploymentState {
    /** Accepted, not yet acted on. */
    PENDING,
    /** Its containers are being created. */
    CREATING,
    /** All desired containers run. */
    RUNNING,
    /** Being changed to a new spec or replica count. */
    UPDATING,
    /** Its containers are being stopped. */
    STOPPING,
    /** Stopped; can be removed or deployed again. */
    STOPPED,
    /** Could not reach or keep its desired state; the deployment's message says why. */
    FAILED,
    /** Being removed with its containers. */
    REMOVING;

    /**
     * @return the lowercase name used in {@code DeploymentStatus.status}
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @return whether the deployment's containers are meant to be running in this state
     */
    public boolean active() {
        return this == PENDING || this == CREATING || this == RUNNING || this == UPDATING;
    }
}
