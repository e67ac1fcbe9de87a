package ai.hanzo.node.api.compute;

import ai.hanzo.node.api.runtime.DeviceRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One service of a {@link ComposeSpec} (wire message {@code ServiceSpec}). Durations are in compose
 * syntax ({@code "1m30s"}, {@code "500ms"}); the orchestrator validates them at deploy.
 *
 * @param image the image to run; for the process runtime, the executable (or empty to take it from
 *     the first word of {@code entrypoint} then {@code command})
 * @param command arguments (compose {@code command}), an argument vector
 * @param entrypoint the entrypoint override (compose {@code entrypoint}), an argument vector
 * @param environment environment variables (values may be secrets: never logged)
 * @param ports port mappings in compose short syntax, such as {@code "127.0.0.1:8080:80/tcp"}
 * @param volumes volume mounts in compose short syntax, such as {@code "data:/var/lib/data:ro"}
 * @param networks names of networks to join
 * @param deploy replicas and resources, if given
 * @param healthcheck the health check, if given
 * @param restart the restart policy: {@code no}, {@code always}, {@code on-failure[:N]}, {@code
 *     unless-stopped}, or empty for {@code no}
 * @param workingDir the working directory (compose {@code working_dir}), or empty for the image's
 * @param user the user to run as (compose {@code user}), or empty for the image's
 * @param stopSignal the stop signal (compose {@code stop_signal}), or empty for {@code SIGTERM}
 * @param stopGracePeriod how long a stop waits before killing (compose {@code stop_grace_period}),
 *     or empty for 10 s
 * @param dependsOn the services this one waits for, by name (compose {@code depends_on})
 * @param devices host devices such as GPUs (compose {@code deploy.resources.reservations.devices})
 * @param labels labels put on the service's containers (compose {@code labels})
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
        String restart,
        String workingDir,
        String user,
        String stopSignal,
        String stopGracePeriod,
        Map<String, ServiceDependency> dependsOn,
        List<DeviceRequest> devices,
        Map<String, String> labels) {
    /** Rejects missing values and copies the collections so the spec is immutable. */
    public ServiceSpec {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(deploy, "deploy");
        Objects.requireNonNull(healthcheck, "healthcheck");
        Objects.requireNonNull(restart, "restart");
        Objects.requireNonNull(workingDir, "workingDir");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(stopSignal, "stopSignal");
        Objects.requireNonNull(stopGracePeriod, "stopGracePeriod");
        command = List.copyOf(command);
        entrypoint = List.copyOf(entrypoint);
        environment = Map.copyOf(environment);
        ports = List.copyOf(ports);
        volumes = List.copyOf(volumes);
        networks = List.copyOf(networks);
        dependsOn = Map.copyOf(dependsOn);
        devices = List.copyOf(devices);
        labels = Map.copyOf(labels);
    }

    /**
     * @return the desired replica count: {@code deploy.replicas}, or 1 when not given
     */
    public int replicas() {
        return deploy.map(DeploySpec::replicas).filter(r -> r > 0).orElse(1);
    }

    /**
     * @param image the image (or executable)
     * @return a builder for a service running {@code image}, with nothing else set
     */
    public static Builder builder(String image) {
        return new Builder(image);
    }

    /**
     * @return a builder holding this spec's values
     */
    public Builder toBuilder() {
        Builder b = new Builder(image);
        b.command.addAll(command);
        b.entrypoint.addAll(entrypoint);
        b.environment.putAll(environment);
        b.ports.addAll(ports);
        b.volumes.addAll(volumes);
        b.networks.addAll(networks);
        b.deploy = deploy;
        b.healthcheck = healthcheck;
        b.restart = restart;
        b.workingDir = workingDir;
        b.user = user;
        b.stopSignal = stopSignal;
        b.stopGracePeriod = stopGracePeriod;
        b.dependsOn.putAll(dependsOn);
        b.devices.addAll(devices);
        b.labels.putAll(labels);
        return b;
    }

    /**
     * Renders the spec for logs and messages without the environment's values, which may be
     * secrets.
     */
    @Override
    public String toString() {
        return "ServiceSpec[image="
                + image
                + ", entrypoint="
                + entrypoint
                + ", command="
                + command
                + ", environment keys="
                + environment.keySet()
                + ", replicas="
                + replicas()
                + ", restart="
                + restart
                + "]";
    }

    /** Builds a {@link ServiceSpec}; unset values are empty. */
    public static final class Builder {
        private final String image;
        private final List<String> command = new ArrayList<>();
        private final List<String> entrypoint = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private final List<String> ports = new ArrayList<>();
        private final List<String> volumes = new ArrayList<>();
        private final List<String> networks = new ArrayList<>();
        private Optional<DeploySpec> deploy = Optional.empty();
        private Optional<HealthcheckSpec> healthcheck = Optional.empty();
        private String restart = "";
        private String workingDir = "";
        private String user = "";
        private String stopSignal = "";
        private String stopGracePeriod = "";
        private final Map<String, ServiceDependency> dependsOn = new LinkedHashMap<>();
        private final List<DeviceRequest> devices = new ArrayList<>();
        private final Map<String, String> labels = new LinkedHashMap<>();

        private Builder(String image) {
            this.image = Objects.requireNonNull(image, "image");
        }

        /**
         * @param args the arguments (compose {@code command})
         * @return this builder
         */
        public Builder command(String... args) {
            command.clear();
            command.addAll(List.of(args));
            return this;
        }

        /**
         * @param args the entrypoint (compose {@code entrypoint})
         * @return this builder
         */
        public Builder entrypoint(String... args) {
            entrypoint.clear();
            entrypoint.addAll(List.of(args));
            return this;
        }

        /**
         * @param name a variable
         * @param value its value
         * @return this builder
         */
        public Builder env(String name, String value) {
            environment.put(name, value);
            return this;
        }

        /**
         * @param mapping a port mapping in compose short syntax
         * @return this builder
         */
        public Builder port(String mapping) {
            ports.add(mapping);
            return this;
        }

        /**
         * @param mount a volume in compose short syntax
         * @return this builder
         */
        public Builder volume(String mount) {
            volumes.add(mount);
            return this;
        }

        /**
         * @param network a network to join
         * @return this builder
         */
        public Builder network(String network) {
            networks.add(network);
            return this;
        }

        /**
         * @param spec the compose {@code deploy} section
         * @return this builder
         */
        public Builder deploy(DeploySpec spec) {
            deploy = Optional.of(spec);
            return this;
        }

        /**
         * @param count the replica count, without resources
         * @return this builder
         */
        public Builder replicas(int count) {
            deploy = Optional.of(new DeploySpec(count, deploy.flatMap(DeploySpec::resources)));
            return this;
        }

        /**
         * @param spec the health check
         * @return this builder
         */
        public Builder healthcheck(HealthcheckSpec spec) {
            healthcheck = Optional.of(spec);
            return this;
        }

        /**
         * @param policy the restart policy
         * @return this builder
         */
        public Builder restart(String policy) {
            restart = policy;
            return this;
        }

        /**
         * @param dir the working directory
         * @return this builder
         */
        public Builder workingDir(String dir) {
            workingDir = dir;
            return this;
        }

        /**
         * @param name the user
         * @return this builder
         */
        public Builder user(String name) {
            user = name;
            return this;
        }

        /**
         * @param signal the stop signal
         * @return this builder
         */
        public Builder stopSignal(String signal) {
            stopSignal = signal;
            return this;
        }

        /**
         * @param period the stop grace period in compose syntax
         * @return this builder
         */
        public Builder stopGracePeriod(String period) {
            stopGracePeriod = period;
            return this;
        }

        /**
         * @param service a service this one waits for
         * @param dependency when it counts as met
         * @return this builder
         */
        public Builder dependsOn(String service, ServiceDependency dependency) {
            dependsOn.put(service, dependency);
            return this;
        }

        /**
         * @param request a device request
         * @return this builder
         */
        public Builder device(DeviceRequest request) {
            devices.add(request);
            return this;
        }

        /**
         * @param name a label
         * @param value its value
         * @return this builder
         */
        public Builder label(String name, String value) {
            labels.put(name, value);
            return this;
        }

        /**
         * @return the spec
         */
        public ServiceSpec build() {
            return new ServiceSpec(
                    image,
                    command,
                    entrypoint,
                    environment,
                    ports,
                    volumes,
                    networks,
                    deploy,
                    healthcheck,
                    restart,
                    workingDir,
                    user,
                    stopSignal,
                    stopGracePeriod,
                    dependsOn,
                    devices,
                    labels);
        }
    }
}
