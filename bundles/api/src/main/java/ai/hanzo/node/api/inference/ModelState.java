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
    UNLOADING,
    /**
     * Its engine went away and no other available engine loads its format; {@link
     * ModelInfo#error()} says which engine. Requests fail with UNAVAILABLE, and the model loads
     * again by itself when a capable engine comes (back).
     */
    UNAVAILABLE;

    /**
     * @return the lowercase name used on the wire, e.g. {@code ready}
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
