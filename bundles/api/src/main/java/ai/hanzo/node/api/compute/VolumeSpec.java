package ai.hanzo.node.api.compute;

import java.util.Map;

/**
 * A compose named volume (wire message {@code VolumeSpec}).
 *
 * @param driver the volume driver, or empty for the runtime's default
 * @param driverOptions driver options
 */
public record VolumeSpec(String driver, Map<String, String> driverOptions) {
    /** Copies the map so the spec is immutable. */
    public VolumeSpec {
        driverOptions = Map.copyOf(driverOptions);
    }
}
