package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.compute.ComposeSpec;
import ai.hanzo.node.api.compute.DependencyCondition;
import ai.hanzo.node.api.compute.DeploySpec;
import ai.hanzo.node.api.compute.DeploymentOptions;
import ai.hanzo.node.api.compute.DeploymentRequest;
import ai.hanzo.node.api.compute.HealthcheckSpec;
import ai.hanzo.node.api.compute.NetworkSpec;
import ai.hanzo.node.api.compute.ResourceLimits;
import ai.hanzo.node.api.compute.ResourceSpec;
import ai.hanzo.node.api.compute.ServiceDependency;
import ai.hanzo.node.api.compute.ServiceSpec;
import ai.hanzo.node.api.compute.VolumeSpec;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.runtime.DeviceRequest;
import ai.hanzo.node.proto.v1.ContainerInfo;
import ai.hanzo.node.proto.v1.DeployRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Converts the deployment messages of the wire to the api's compose model and back. Only shape is
 * checked here (what cannot be represented); the Orchestrator validates the content and names the
 * offending field.
 */
final class ComposeMapper {
    private ComposeMapper() {}

    static DeploymentRequest fromWire(DeployRequest request) {
        ai.hanzo.node.proto.v1.ComposeSpec spec = request.getSpec();
        Map<String, ServiceSpec> services = new LinkedHashMap<>();
        spec.getServicesMap().forEach((name, s) -> services.put(name, service(name, s)));
        Map<String, NetworkSpec> networks = new LinkedHashMap<>();
        spec.getNetworksMap()
                .forEach(
                        (name, n) ->
                                networks.put(
                                        name, new NetworkSpec(n.getDriver(), n.getExternal())));
        Map<String, VolumeSpec> volumes = new LinkedHashMap<>();
        spec.getVolumesMap()
                .forEach(
                        (name, v) ->
                                volumes.put(
                                        name, new VolumeSpec(v.getDriver(), v.getDriverOptsMap())));
        ai.hanzo.node.proto.v1.DeploymentOptions options = request.getOptions();
        return new DeploymentRequest(
                request.getDeploymentId().trim(),
                request.getName(),
                new ComposeSpec(spec.getVersion(), spec.getName(), services, networks, volumes),
                request.getEnvironmentMap(),
                new DeploymentOptions(
                        options.getNamespace(),
                        options.getEnvironment(),
                        options.getLabelsMap(),
                        options.hasResourceLimits()
                                ? Optional.of(limits(options.getResourceLimits()))
                                : Optional.empty()));
    }

    private static ResourceLimits limits(ai.hanzo.node.proto.v1.ResourceLimits l) {
        return new ResourceLimits(l.getCpus(), l.getMemory());
    }

    private static ServiceSpec service(String name, ai.hanzo.node.proto.v1.ServiceSpec s) {
        Optional<DeploySpec> deploy = Optional.empty();
        if (s.hasDeploy()) {
            ai.hanzo.node.proto.v1.DeploySpec d = s.getDeploy();
            Optional<ResourceSpec> resources = Optional.empty();
            if (d.hasResources()) {
                resources =
                        Optional.of(
                                new ResourceSpec(
                                        d.getResources().hasLimits()
                                                ? Optional.of(limits(d.getResources().getLimits()))
                                                : Optional.empty(),
                                        d.getResources().hasReservations()
                                                ? Optional.of(
                                                        limits(d.getResources().getReservations()))
                                                : Optional.empty()));
            }
            if (d.getReplicas() > 10_000) {
                throw new InvalidArgumentException(
                        "services."
                                + name
                                + ".deploy.replicas "
                                + Integer.toUnsignedString(d.getReplicas())
                                + " is over 10000");
            }
            deploy = Optional.of(new DeploySpec(d.getReplicas(), resources));
        }
        Optional<HealthcheckSpec> healthcheck = Optional.empty();
        if (s.hasHealthcheck()) {
            ai.hanzo.node.proto.v1.HealthcheckSpec h = s.getHealthcheck();
            healthcheck =
                    Optional.of(
                            new HealthcheckSpec(
                                    h.getTestList(),
                                    h.getInterval(),
                                    h.getTimeout(),
                                    h.getRetries(),
                                    h.getStartPeriod()));
        }
        Map<String, ServiceDependency> dependsOn = new LinkedHashMap<>();
        s.getDependsOnMap()
                .forEach(
                        (dependency, d) -> {
                            DependencyCondition condition =
                                    DependencyCondition.fromWireName(d.getCondition())
                                            .orElseThrow(
                                                    () ->
                                                            new InvalidArgumentException(
                                                                    "services."
                                                                            + name
                                                                            + ".depends_on."
                                                                            + dependency
                                                                            + ".condition '"
                                                                            + d.getCondition()
                                                                            + "' is not service_started,"
                                                                            + " service_healthy or"
                                                                            + " service_completed_successfully"));
                            dependsOn.put(
                                    dependency, new ServiceDependency(condition, d.getRequired()));
                        });
        return new ServiceSpec(
                s.getImage(),
                s.getCommandList(),
                s.getEntrypointList(),
                s.getEnvironmentMap(),
                s.getPortsList(),
                s.getVolumesList(),
                s.getNetworksList(),
                deploy,
                healthcheck,
                s.getRestart(),
                s.getWorkingDir(),
                s.getUser(),
                s.getStopSignal(),
                s.getStopGracePeriod(),
                dependsOn,
                s.getDevicesList().stream()
                        .map(
                                d ->
                                        new DeviceRequest(
                                                d.getDriver(),
                                                d.getCount(),
                                                d.getDeviceIdsList(),
                                                d.getCapabilitiesList(),
                                                d.getOptionsMap()))
                        .toList(),
                s.getLabelsMap());
    }

    static ContainerInfo toWire(ContainerStatus c) {
        return ContainerInfo.newBuilder()
                .setId(c.id())
                .setName(nullToEmpty(c.name()))
                .setImage(nullToEmpty(c.image()))
                .setStatus(nullToEmpty(c.status()))
                .setState(c.state().wireName())
                .setCreated(Math.max(0, c.createdAt().getEpochSecond()))
                .addAllPorts(c.ports().stream().map(Object::toString).toList())
                .putAllLabels(c.labels())
                .build();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
