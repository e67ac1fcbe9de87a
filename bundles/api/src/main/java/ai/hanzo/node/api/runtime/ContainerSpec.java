package ai.hanzo.node.api.runtime;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Everything a runtime needs to create one container. The orchestrator derives it from a service of
 * a deployment; runtimes never see compose syntax. Restarts are the orchestrator's job: a runtime
 * never restarts a container by itself.
 *
 * @param name a unique container name chosen by the node
 * @param image the image; for the process runtime, the executable (a path, or a name looked up on
 *     the PATH), or empty to take the executable from the first word of {@code entrypoint} then
 *     {@code command}
 * @param entrypoint the entrypoint override, or empty for the image's
 * @param command the arguments, or empty for the image's
 * @param environment environment variables (values may be secrets: never log them)
 * @param workingDir the working directory, or empty for the image's (the process runtime: a
 *     directory of its own under the data directory)
 * @param user the user to run as ({@code name}, {@code uid} or {@code uid:gid}), or empty for the
 *     image's
 * @param stopSignal the signal that asks the container to stop, such as {@code SIGTERM} (the
 *     default when empty) or {@code SIGINT}
 * @param ports ports to publish
 * @param mounts volumes and bind mounts
 * @param networks networks to join
 * @param labels labels that identify the container as the node's (deployment id, service, replica);
 *     a runtime keeps them and reports them back
 * @param cpuLimit CPUs the container may use, if limited
 * @param memoryLimitBytes memory the container may use, if limited
 * @param pidsLimit processes the container may have, if limited
 * @param devices host devices (GPUs) to give the container
 * @param healthcheck the healthcheck the runtime runs, if any
 */
public record ContainerSpec(
        String name,
        String image,
        List<String> entrypoint,
        List<String> command,
        Map<String, String> environment,
        String workingDir,
        String user,
        String stopSignal,
        List<PortMapping> ports,
        List<VolumeMount> mounts,
        List<String> networks,
        Map<String, String> labels,
        OptionalDouble cpuLimit,
        OptionalLong memoryLimitBytes,
        OptionalLong pidsLimit,
        List<DeviceRequest> devices,
        Optional<ContainerHealthcheck> healthcheck) {
    /** Rejects missing values and copies the collections so the spec is immutable. */
    public ContainerSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(workingDir, "workingDir");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(stopSignal, "stopSignal");
        Objects.requireNonNull(cpuLimit, "cpuLimit");
        Objects.requireNonNull(memoryLimitBytes, "memoryLimitBytes");
        Objects.requireNonNull(pidsLimit, "pidsLimit");
        Objects.requireNonNull(healthcheck, "healthcheck");
        entrypoint = List.copyOf(entrypoint);
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
        ports = List.copyOf(ports);
        mounts = List.copyOf(mounts);
        networks = List.copyOf(networks);
        labels = Map.copyOf(labels);
        devices = List.copyOf(devices);
    }

    /**
     * @return the stop signal, {@code SIGTERM} when none was given
     */
    public String effectiveStopSignal() {
        return stopSignal.isBlank() ? "SIGTERM" : stopSignal;
    }

    /**
     * Renders the spec for logs and messages without the environment's values, which may be
     * secrets.
     */
    @Override
    public String toString() {
        return "ContainerSpec[name="
                + name
                + ", image="
                + image
                + ", entrypoint="
                + entrypoint
                + ", command="
                + command
                + ", environment keys="
                + environment.keySet()
                + ", workingDir="
                + workingDir
                + ", labels="
                + labels
                + "]";
    }
}
