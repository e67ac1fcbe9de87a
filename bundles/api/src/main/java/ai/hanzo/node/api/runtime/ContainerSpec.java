package ai.hanzo.node.api.runtime;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Everything a runtime needs to create one container. The orchestrator derives it from a service of
 * a deployment; runtimes never see compose syntax.
 *
 * @param name a unique container name chosen by the node
 * @param image the image (for the process runtime: the executable)
 * @param entrypoint the entrypoint override, or empty for the image's
 * @param command the arguments, or empty for the image's
 * @param environment environment variables
 * @param ports ports to publish
 * @param mounts volumes and bind mounts
 * @param networks networks to join
 * @param labels labels that identify the container as the node's (deployment id, service, replica)
 * @param cpuLimit CPUs the container may use, if limited
 * @param memoryLimitBytes memory the container may use, if limited
 * @param restartPolicy the runtime-level restart policy; the node's reconciler restarts too
 */
public record ContainerSpec(
        String name,
        String image,
        List<String> entrypoint,
        List<String> command,
        Map<String, String> environment,
        List<PortMapping> ports,
        List<VolumeMount> mounts,
        List<String> networks,
        Map<String, String> labels,
        OptionalDouble cpuLimit,
        OptionalLong memoryLimitBytes,
        String restartPolicy) {
    /** Copies the collections so the spec is immutable. */
    public ContainerSpec {
        entrypoint = List.copyOf(entrypoint);
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
        ports = List.copyOf(ports);
        mounts = List.copyOf(mounts);
        networks = List.copyOf(networks);
        labels = Map.copyOf(labels);
    }
}
