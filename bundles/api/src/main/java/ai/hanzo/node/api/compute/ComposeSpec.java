package ai.hanzo.node.api.compute;

import java.util.Map;

/**
 * A compose-style application: named services plus the networks and volumes they use (wire message
 * {@code ComposeSpec}).
 *
 * @param version the compose format version, informational
 * @param name the application name
 * @param services the services by name
 * @param networks the networks by name
 * @param volumes the named volumes by name
 */
public record ComposeSpec(
        String version,
        String name,
        Map<String, ServiceSpec> services,
        Map<String, NetworkSpec> networks,
        Map<String, VolumeSpec> volumes) {
    /** Copies the maps so the spec is immutable. */
    public ComposeSpec {
        services = Map.copyOf(services);
        networks = Map.copyOf(networks);
        volumes = Map.copyOf(volumes);
    }
}
