package ai.hanzo.node.api.inference;

import java.util.Locale;

/** Where a model is in its life on this node. */
public enum ModelState {
    /** Being fetched and loaded; requests for it wait or fail with UNAVAILABLE. */
    LOADING,
    /** Serving requests. */
    READY,
    /** Loading failed; {@link ModelInfo#error()} says why. The node serves its other models. */
    FAILED,
    /** Finishing its queued requests before its memory is freed. */
    UNLOADING;

    /**
     * @return the lowercase name used on the wire, e.g. {@code ready}
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
