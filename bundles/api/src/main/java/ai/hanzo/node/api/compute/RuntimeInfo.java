package ai.hanzo.node.api.compute;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.runtime.LimitKind;
import java.util.Map;

/**
 * A container runtime as the orchestrator sees it.
 *
 * @param name its name, the value of the {@code hanzo.runtime} label that chooses it
 * @param availability its last self-test
 * @param unenforceableLimits the limits it cannot enforce here, with why
 */
public record RuntimeInfo(
        String name, Availability availability, Map<LimitKind, String> unenforceableLimits) {
    /** Copies the map so the value is immutable. */
    public RuntimeInfo {
        unenforceableLimits = Map.copyOf(unenforceableLimits);
    }
}
