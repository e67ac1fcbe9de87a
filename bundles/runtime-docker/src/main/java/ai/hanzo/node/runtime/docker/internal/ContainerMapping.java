package ai.hanzo.node.runtime.docker.internal;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.runtime.ContainerHealth;
import ai.hanzo.node.api.runtime.ContainerHealthcheck;
import ai.hanzo.node.api.runtime.ContainerSpec;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.runtime.PortMapping;
import ai.hanzo.node.api.runtime.VolumeMount;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.HealthState;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.DeviceRequest;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HealthCheck;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Between the node's container values and the Docker Engine API's. */
final class ContainerMapping {
    /** Published ports bind here when the spec names no host address. */
    static final String DEFAULT_HOST_IP = "127.0.0.1";

    private ContainerMapping() {}

    /**
     * Fills an engine create call from a spec; checks what the engine would reject less clearly.
     *
     * @param cmd the create call
     * @param spec the container
     * @param image the image reference as the engine names it
     * @param defaultNetwork the network when the spec names none, or empty
     * @return the create call
     * @throws InvalidArgumentException naming the bad field
     */
    static CreateContainerCmd fill(
            CreateContainerCmd cmd, ContainerSpec spec, String image, String defaultNetwork) {
        if (spec.name().isBlank() || !spec.name().matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
            throw new InvalidArgumentException(
                    "container name '"
                            + spec.name()
                            + "' must start with a letter or digit and hold only [a-zA-Z0-9_.-]");
        }
        List<String> env = new ArrayList<>();
        spec.environment()
                .forEach(
                        (k, v) -> {
                            if (k.isEmpty() || k.indexOf('=') >= 0 || k.indexOf('\0') >= 0) {
                                throw new InvalidArgumentException(
                                        "environment variable name '" + k + "' is not valid");
                            }
                            env.add(k + "=" + v);
                        });
        List<ExposedPort> exposed = new ArrayList<>();
        Ports bindings = new Ports();
        for (PortMapping p : spec.ports()) {
            ExposedPort port = exposedPort(p);
            exposed.add(port);
            String hostIp =
                    p.hostIp() == null || p.hostIp().isBlank() ? DEFAULT_HOST_IP : p.hostIp();
            if (p.hostPort() < 0 || p.hostPort() > 65535) {
                throw new InvalidArgumentException(
                        "port " + p + ": host port must be 0 (any) to 65535");
            }
            // no host port: the engine picks a free one
            bindings.bind(
                    port,
                    new Ports.Binding(
                            hostIp, p.hostPort() == 0 ? null : Integer.toString(p.hostPort())));
        }
        List<Mount> mounts = new ArrayList<>();
        for (VolumeMount m : spec.mounts()) {
            if (m.target() == null || !m.target().startsWith("/")) {
                throw new InvalidArgumentException(
                        "volume "
                                + m.source()
                                + ": target '"
                                + m.target()
                                + "' must be an absolute path");
            }
            if (m.source() == null || m.source().isBlank()) {
                throw new InvalidArgumentException(
                        "volume for " + m.target() + ": source must name a volume or a host path");
            }
            boolean bind = m.source().startsWith("/");
            mounts.add(
                    new Mount()
                            .withType(bind ? MountType.BIND : MountType.VOLUME)
                            .withSource(m.source())
                            .withTarget(m.target())
                            .withReadOnly(m.readOnly()));
        }
        HostConfig host =
                HostConfig.newHostConfig()
                        .withPortBindings(bindings)
                        .withMounts(mounts)
                        // restarts are the orchestrator's, never the engine's
                        .withRestartPolicy(RestartPolicy.noRestart());
        String network = spec.networks().isEmpty() ? defaultNetwork : spec.networks().get(0);
        if (!network.isBlank()) {
            host.withNetworkMode(network);
        }
        if (spec.cpuLimit().isPresent()) {
            double cpus = spec.cpuLimit().getAsDouble();
            if (!(cpus > 0) || cpus > 1024) {
                throw new InvalidArgumentException("cpu limit " + cpus + " must be above 0");
            }
            host.withNanoCPUs(Math.round(cpus * 1e9));
        }
        if (spec.memoryLimitBytes().isPresent()) {
            long mem = spec.memoryLimitBytes().getAsLong();
            // the engine's own minimum is 6 MB
            if (mem < 6L * 1024 * 1024) {
                throw new InvalidArgumentException(
                        "memory limit " + mem + " bytes is below the engine's minimum of 6 MiB");
            }
            host.withMemory(mem);
        }
        if (spec.pidsLimit().isPresent()) {
            long pids = spec.pidsLimit().getAsLong();
            if (pids < 1) {
                throw new InvalidArgumentException("pids limit " + pids + " must be at least 1");
            }
            host.withPidsLimit(pids);
        }
        if (!spec.devices().isEmpty()) {
            List<DeviceRequest> devices = new ArrayList<>();
            for (ai.hanzo.node.api.runtime.DeviceRequest d : spec.devices()) {
                devices.add(
                        new DeviceRequest()
                                .withDriver(d.driver())
                                .withCount(d.count())
                                .withDeviceIds(d.deviceIds())
                                .withCapabilities(
                                        d.capabilities().isEmpty()
                                                ? List.of()
                                                : List.of(d.capabilities()))
                                .withOptions(d.options()));
            }
            host.withDeviceRequests(devices);
        }
        cmd.withName(spec.name())
                .withImage(image)
                .withEnv(env)
                .withLabels(spec.labels())
                .withExposedPorts(exposed)
                .withHostConfig(host);
        if (!spec.entrypoint().isEmpty()) {
            cmd.withEntrypoint(spec.entrypoint());
        }
        if (!spec.command().isEmpty()) {
            cmd.withCmd(spec.command());
        }
        if (!spec.workingDir().isBlank()) {
            cmd.withWorkingDir(spec.workingDir());
        }
        if (!spec.user().isBlank()) {
            cmd.withUser(spec.user());
        }
        if (!spec.stopSignal().isBlank()) {
            cmd.withStopSignal(spec.stopSignal());
        }
        spec.healthcheck().ifPresent(h -> cmd.withHealthcheck(healthcheck(h)));
        return cmd;
    }

    private static ExposedPort exposedPort(PortMapping p) {
        if (p.containerPort() < 1 || p.containerPort() > 65535) {
            throw new InvalidArgumentException("port " + p + ": container port must be 1 to 65535");
        }
        String proto =
                p.protocol() == null || p.protocol().isBlank()
                        ? "tcp"
                        : p.protocol().toLowerCase(Locale.ROOT);
        return switch (proto) {
            case "tcp" -> ExposedPort.tcp(p.containerPort());
            case "udp" -> ExposedPort.udp(p.containerPort());
            case "sctp" -> ExposedPort.sctp(p.containerPort());
            default ->
                    throw new InvalidArgumentException(
                            "port " + p + ": protocol must be tcp, udp or sctp");
        };
    }

    private static HealthCheck healthcheck(ContainerHealthcheck h) {
        if (h.test().isEmpty()) {
            throw new InvalidArgumentException("healthcheck test is empty");
        }
        return new HealthCheck()
                .withTest(h.test())
                .withInterval(nanos(h.interval()))
                .withTimeout(nanos(h.timeout()))
                .withRetries(h.retries())
                .withStartPeriod(nanos(h.startPeriod()));
    }

    private static Long nanos(Duration d) {
        // the engine refuses positive durations under 1 ms, and 0 means its default
        if (d.isZero() || d.isNegative()) {
            return 0L;
        }
        return Math.max(d.toNanos(), 1_000_000L);
    }

    /**
     * @param r what the engine says about a container
     * @param restarts starts after an exit that the node counted for it
     * @return the node's view of it
     */
    static ContainerStatus status(InspectContainerResponse r, int restarts) {
        InspectContainerResponse.ContainerState s = r.getState();
        ContainerState state = state(s == null ? null : s.getStatus());
        Optional<Instant> started = time(s == null ? null : s.getStartedAt());
        Optional<Instant> finished = time(s == null ? null : s.getFinishedAt());
        Optional<Integer> exit =
                (state == ContainerState.EXITED || state == ContainerState.DEAD)
                                && s.getExitCodeLong() != null
                        ? Optional.of(s.getExitCodeLong().intValue())
                        : Optional.empty();
        ContainerHealth health = health(s == null ? null : s.getHealth());
        String text = statusText(state, exit, health, s);
        Map<String, String> labels =
                r.getConfig() != null && r.getConfig().getLabels() != null
                        ? r.getConfig().getLabels()
                        : Map.of();
        String name = r.getName() == null ? "" : r.getName().replaceFirst("^/", "");
        Integer engineRestarts = r.getRestartCount();
        return new ContainerStatus(
                r.getId(),
                name,
                r.getConfig() != null && r.getConfig().getImage() != null
                        ? r.getConfig().getImage()
                        : "",
                "docker",
                state,
                text,
                time(r.getCreated()).orElse(Instant.EPOCH),
                started,
                finished,
                exit,
                health,
                restarts + (engineRestarts == null ? 0 : engineRestarts),
                ports(r),
                labels);
    }

    private static String statusText(
            ContainerState state,
            Optional<Integer> exit,
            ContainerHealth health,
            InspectContainerResponse.ContainerState s) {
        StringBuilder b = new StringBuilder(state.wireName());
        exit.ifPresent(c -> b.append(" (").append(c).append(')'));
        if (s != null && Boolean.TRUE.equals(s.getOOMKilled())) {
            b.append(", killed for exceeding its memory limit");
        }
        if (health != ContainerHealth.NONE) {
            b.append(", ").append(health.wireName());
        }
        if (s != null && s.getError() != null && !s.getError().isBlank()) {
            b.append(": ").append(s.getError());
        }
        return b.toString();
    }

    private static List<PortMapping> ports(InspectContainerResponse r) {
        Map<ExposedPort, Ports.Binding[]> bound =
                r.getNetworkSettings() != null && r.getNetworkSettings().getPorts() != null
                        ? r.getNetworkSettings().getPorts().getBindings()
                        : Map.of();
        if (bound.isEmpty()
                && r.getHostConfig() != null
                && r.getHostConfig().getPortBindings() != null) {
            // created or exited: the engine reports only what was asked for
            bound = r.getHostConfig().getPortBindings().getBindings();
        }
        List<PortMapping> out = new ArrayList<>();
        Map<ExposedPort, Ports.Binding[]> sorted = new LinkedHashMap<>(bound);
        sorted.forEach(
                (port, bindings) -> {
                    if (bindings == null) {
                        return;
                    }
                    for (Ports.Binding b : bindings) {
                        int hostPort = 0;
                        if (b.getHostPortSpec() != null && !b.getHostPortSpec().isBlank()) {
                            try {
                                hostPort = Integer.parseInt(b.getHostPortSpec());
                            } catch (NumberFormatException e) {
                                hostPort = 0;
                            }
                        }
                        String ip =
                                b.getHostIp() == null || b.getHostIp().isBlank()
                                        ? "0.0.0.0"
                                        : b.getHostIp();
                        out.add(
                                new PortMapping(
                                        ip,
                                        hostPort,
                                        port.getPort(),
                                        port.getProtocol() == null
                                                ? "tcp"
                                                : port.getProtocol() == InternetProtocol.UDP
                                                        ? "udp"
                                                        : port.getProtocol()
                                                                        == InternetProtocol.SCTP
                                                                ? "sctp"
                                                                : "tcp"));
                    }
                });
        return out;
    }

    /**
     * @param engineState the engine's state word
     * @return the node's state
     */
    static ContainerState state(String engineState) {
        if (engineState == null) {
            return ContainerState.UNKNOWN;
        }
        return switch (engineState) {
            case "created" -> ContainerState.CREATED;
            case "running" -> ContainerState.RUNNING;
            case "paused" -> ContainerState.PAUSED;
            case "restarting" -> ContainerState.RESTARTING;
            case "exited" -> ContainerState.EXITED;
            case "dead", "removing" -> ContainerState.DEAD;
            default -> ContainerState.UNKNOWN;
        };
    }

    static ContainerHealth health(HealthState h) {
        return h == null ? ContainerHealth.NONE : health(h.getStatus());
    }

    /**
     * @param word the engine's health word
     * @return the node's health
     */
    static ContainerHealth health(String word) {
        if (word == null) {
            return ContainerHealth.NONE;
        }
        return switch (word.trim()) {
            case "starting" -> ContainerHealth.STARTING;
            case "healthy" -> ContainerHealth.HEALTHY;
            case "unhealthy" -> ContainerHealth.UNHEALTHY;
            default -> ContainerHealth.NONE;
        };
    }

    /** The engine writes "0001-01-01T00:00:00Z" for never. */
    static Optional<Instant> time(String text) {
        if (text == null || text.isBlank() || text.startsWith("0001-")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
