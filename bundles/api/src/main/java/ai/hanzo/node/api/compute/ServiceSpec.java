package ai.hanzo.node.api.compute;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One service of a {@link ComposeSpec} (wire message {@code ServiceSpec}).
 *
 * @param image the image to run; for the process runtime, the executable
 * @param command arguments (compose {@code command})
 * @param entrypoint the entrypoint override (compose {@code entrypoint})
 * @param environment environment variables
 * @param ports port mappings in compose short syntax, such as {@code "127.0.0.1:8080:80/tcp"}
 * @param volumes volume mounts in compose short syntax, such as {@code "data:/var/lib/data:ro"}
 * @param networks names of networks to join
 * @param deploy replicas and resources, if given
 * @param healthcheck the health check, if given
 * @param restart the restart policy: {@code no}, {@code always}, {@code on-failure}, {@code
 *     unless-stopped}, or empty for the default
 */
public record ServiceSpec(
        String image,
        List<String> command,
        List<String> entrypoint,
        Map<String, String> environment,
        List<String> ports,
        List<String> volumes,
        List<String> networks,
        Optional<DeploySpec> deploy,
        Optional<HealthcheckSpec> healthcheck,
        String restart) {
    /** Copies the collections so the spec is immutable. */
    public ServiceSpec {
        command = List.copyOf(command);
        entrypoint = List.copyOf(entrypoint);
        environment = Map.copyOf(environment);
        ports = List.copyOf(ports);
        volumes = List.copyOf(volumes);
        networks = List.copyOf(networks);
    }

    /**
     * @return the desired replica count: {@code deploy.replicas}, or 1 when not given
     */
    public int replicas() {
        return deploy.map(DeploySpec::replicas).filter(r -> r > 0).orElse(1);
    }
}
