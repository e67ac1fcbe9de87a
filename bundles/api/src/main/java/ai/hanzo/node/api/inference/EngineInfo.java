package ai.hanzo.node.api.inference;

import ai.hanzo.node.api.Availability;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * An engine the node knows, as {@link InferenceService#engines()} reports it.
 *
 * @param name its name
 * @param availability whether it works on this machine, and why not
 * @param devices the devices it can use
 * @param formats the model formats it loads
 */
public record EngineInfo(
        String name, Availability availability, List<Device> devices, Set<ModelFormat> formats) {
    /** Checks the values and copies the collections. */
    public EngineInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(availability, "availability");
        devices = List.copyOf(devices);
        formats = Set.copyOf(formats);
    }
}
