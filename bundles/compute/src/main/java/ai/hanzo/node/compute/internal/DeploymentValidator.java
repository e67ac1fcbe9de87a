package ai.hanzo.node.compute.internal;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.compute.ComposeSpec;
import ai.hanzo.node.api.compute.DeploymentOptions;
import ai.hanzo.node.api.compute.DeploymentRequest;
import ai.hanzo.node.api.compute.HealthcheckSpec;
import ai.hanzo.node.api.compute.ResourceLimits;
import ai.hanzo.node.api.compute.ServiceDependency;
import ai.hanzo.node.api.compute.ServiceSpec;
import ai.hanzo.node.api.runtime.ContainerHealthcheck;
import ai.hanzo.node.api.runtime.VolumeMount;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Checks a deployment request before anything is stored or created, and turns compose values into
 * the typed values runtimes take. Every failure is an {@link InvalidArgumentException} that names
 * the field, such as {@code services.web.deploy.resources.limits.memory}.
 */
public final class DeploymentValidator {
    /** Ids and service names: what Docker accepts in container names. */
    static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}");

    /** Compose's healthcheck defaults. */
    static final Duration HEALTH_INTERVAL = Duration.ofSeconds(30);

    static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(30);
    static final int HEALTH_RETRIES = 3;

    /** Compose's default stop grace period. */
    static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private DeploymentValidator() {}

    /**
     * Checks everything in the request that does not depend on a runtime.
     *
     * @param request the request
     * @param maxReplicas the most replicas a service may ask for
     * @return the service names in start order (dependencies first)
     */
    static List<String> validate(DeploymentRequest request, int maxReplicas) {
        ComposeSpec spec = request.spec();
        if (!request.deploymentId().isBlank() && !NAME.matcher(request.deploymentId()).matches()) {
            throw new InvalidArgumentException(
                    "deployment_id: '"
                            + request.deploymentId()
                            + "' is not a valid id (letters, digits, '_', '.', '-'; at most 63)");
        }
        if (spec.services().isEmpty()) {
            throw new InvalidArgumentException(
                    "spec.services: a deployment needs at least one service");
        }
        DeploymentOptions options = request.options();
        options.resourceLimits().ifPresent(l -> limits("options.resource_limits", l));
        for (Map.Entry<String, ServiceSpec> e : new TreeMap<>(spec.services()).entrySet()) {
            String name = e.getKey();
            ServiceSpec s = e.getValue();
            String f = "services." + name;
            if (!NAME.matcher(name).matches()) {
                throw new InvalidArgumentException(
                        "spec.services: '" + name + "' is not a valid service name");
            }
            int replicas = s.deploy().map(d -> d.replicas()).orElse(1);
            if (replicas < 0 || replicas > maxReplicas) {
                throw new InvalidArgumentException(
                        f + ".deploy.replicas: " + replicas + " is out of range 1.." + maxReplicas);
            }
            RestartPolicy.parse(f + ".restart", s.restart());
            for (int i = 0; i < s.ports().size(); i++) {
                ComposeValues.port(f + ".ports[" + i + "]", s.ports().get(i));
            }
            for (int i = 0; i < s.volumes().size(); i++) {
                volume(f + ".volumes[" + i + "]", s.volumes().get(i));
            }
            s.deploy()
                    .flatMap(d -> d.resources())
                    .ifPresent(
                            r -> {
                                r.limits()
                                        .ifPresent(l -> limits(f + ".deploy.resources.limits", l));
                                r.reservations()
                                        .ifPresent(
                                                l ->
                                                        limits(
                                                                f
                                                                        + ".deploy.resources.reservations",
                                                                l));
                            });
            s.healthcheck().ifPresent(h -> healthcheck(f + ".healthcheck", h));
            ComposeValues.duration(f + ".stop_grace_period", s.stopGracePeriod(), STOP_GRACE);
            if (!s.stopSignal().isBlank()) {
                ComposeValues.signal(f + ".stop_signal", s.stopSignal());
            }
            for (Map.Entry<String, ServiceDependency> d : s.dependsOn().entrySet()) {
                if (d.getValue().required() && !spec.services().containsKey(d.getKey())) {
                    throw new InvalidArgumentException(
                            f + ".depends_on: unknown service '" + d.getKey() + "'");
                }
            }
        }
        return startOrder(spec);
    }

    /** Orders services so that each comes after the ones it depends on; refuses cycles. */
    static List<String> startOrder(ComposeSpec spec) {
        List<String> order = new ArrayList<>();
        Map<String, Integer> mark = new LinkedHashMap<>();
        for (String name : new TreeMap<>(spec.services()).keySet()) {
            visit(spec, name, mark, order, new ArrayList<>());
        }
        return order;
    }

    private static void visit(
            ComposeSpec spec,
            String name,
            Map<String, Integer> mark,
            List<String> order,
            List<String> path) {
        Integer m = mark.get(name);
        if (m != null && m == 2) {
            return;
        }
        path.add(name);
        if (m != null && m == 1) {
            throw new InvalidArgumentException(
                    "services."
                            + path.get(0)
                            + ".depends_on: dependency cycle "
                            + String.join(" -> ", path));
        }
        mark.put(name, 1);
        for (String dep : new TreeMap<>(spec.services().get(name).dependsOn()).keySet()) {
            if (spec.services().containsKey(dep)) {
                visit(spec, dep, mark, order, path);
            }
        }
        path.remove(path.size() - 1);
        mark.put(name, 2);
        order.add(name);
    }

    private static void limits(String field, ResourceLimits l) {
        if (l.cpus() != null && !l.cpus().isBlank()) {
            ComposeValues.cpus(field + ".cpus", l.cpus());
        }
        if (l.memory() != null && !l.memory().isBlank()) {
            ComposeValues.memoryBytes(field + ".memory", l.memory());
        }
    }

    /**
     * @param field the field, for messages
     * @param h the compose healthcheck
     * @return the healthcheck with compose's defaults, empty for {@code ["NONE"]} or no test
     */
    static Optional<ContainerHealthcheck> healthcheck(String field, HealthcheckSpec h) {
        if (h.test().isEmpty() || h.test().get(0).equals("NONE")) {
            return Optional.empty();
        }
        String kind = h.test().get(0);
        if ((kind.equals("CMD") || kind.equals("CMD-SHELL")) && h.test().size() < 2) {
            throw new InvalidArgumentException(field + ".test: " + kind + " needs a command");
        }
        if (h.retries() < 0) {
            throw new InvalidArgumentException(field + ".retries: must not be negative");
        }
        return Optional.of(
                new ContainerHealthcheck(
                        h.test(),
                        positive(field + ".interval", h.interval(), HEALTH_INTERVAL),
                        positive(field + ".timeout", h.timeout(), HEALTH_TIMEOUT),
                        h.retries() == 0 ? HEALTH_RETRIES : h.retries(),
                        ComposeValues.duration(
                                field + ".start_period", h.startPeriod(), Duration.ZERO)));
    }

    private static Duration positive(String field, String value, Duration fallback) {
        Duration d = ComposeValues.duration(field, value, fallback);
        if (d.isZero() || d.isNegative()) {
            throw new InvalidArgumentException(field + ": must be more than 0");
        }
        return d;
    }

    /**
     * Parses compose's short volume syntax {@code [source:]target[:ro|rw]}.
     *
     * @param field the field, for messages
     * @param value the mount
     * @return the mount
     */
    static VolumeMount volume(String field, String value) {
        String[] parts = value.split(":");
        String source = "";
        String target;
        boolean readOnly = false;
        if (parts.length == 1) {
            target = parts[0];
        } else if (parts.length == 2) {
            source = parts[0];
            target = parts[1];
        } else if (parts.length == 3 && (parts[2].equals("ro") || parts[2].equals("rw"))) {
            source = parts[0];
            target = parts[1];
            readOnly = parts[2].equals("ro");
        } else {
            throw new InvalidArgumentException(
                    field + ": '" + value + "' is not a volume (like data:/var/lib/data:ro)");
        }
        if (!target.startsWith("/")) {
            throw new InvalidArgumentException(
                    field + ": the target of '" + value + "' must be an absolute path");
        }
        return new VolumeMount(source, target, readOnly);
    }

    /**
     * @param field the field, for messages
     * @param service the service
     * @param fallback the deployment's default limits
     * @return the CPU limit
     */
    static OptionalDouble cpus(
            String field, ServiceSpec service, Optional<ResourceLimits> fallback) {
        Optional<ResourceLimits> l = effectiveLimits(service, fallback);
        return l.map(ResourceLimits::cpus)
                .filter(c -> c != null && !c.isBlank())
                .map(c -> OptionalDouble.of(ComposeValues.cpus(field, c)))
                .orElse(OptionalDouble.empty());
    }

    /**
     * @param field the field, for messages
     * @param service the service
     * @param fallback the deployment's default limits
     * @return the memory limit
     */
    static OptionalLong memory(
            String field, ServiceSpec service, Optional<ResourceLimits> fallback) {
        Optional<ResourceLimits> l = effectiveLimits(service, fallback);
        return l.map(ResourceLimits::memory)
                .filter(c -> c != null && !c.isBlank())
                .map(c -> OptionalLong.of(ComposeValues.memoryBytes(field, c)))
                .orElse(OptionalLong.empty());
    }

    private static Optional<ResourceLimits> effectiveLimits(
            ServiceSpec service, Optional<ResourceLimits> fallback) {
        Optional<ResourceLimits> own =
                service.deploy().flatMap(d -> d.resources()).flatMap(r -> r.limits());
        return own.isPresent() ? own : fallback;
    }
}
