package ai.hanzo.node.shell.internal;

import ai.hanzo.node.api.compute.ComposeSpec;
import ai.hanzo.node.api.compute.DependencyCondition;
import ai.hanzo.node.api.compute.DeploySpec;
import ai.hanzo.node.api.compute.HealthcheckSpec;
import ai.hanzo.node.api.compute.NetworkSpec;
import ai.hanzo.node.api.compute.ResourceLimits;
import ai.hanzo.node.api.compute.ResourceSpec;
import ai.hanzo.node.api.compute.ServiceDependency;
import ai.hanzo.node.api.compute.ServiceSpec;
import ai.hanzo.node.api.compute.VolumeSpec;
import ai.hanzo.node.api.runtime.DeviceRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The compose parser of {@code bin/hanzo-node deploy} produces the wire's compose messages; the
 * shell hands the api's model to the Orchestrator. Shape only: the Orchestrator validates content.
 */
final class ComposeSpecs {
    private ComposeSpecs() {}

    static ComposeSpec fromWire(ai.hanzo.node.proto.v1.ComposeSpec spec) {
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
        return new ComposeSpec(spec.getVersion(), spec.getName(), services, networks, volumes);
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
                ai.hanzo.node.proto.v1.ResourceSpec r = d.getResources();
                resources =
                        Optional.of(
                                new ResourceSpec(
                                        r.hasLimits()
                                                ? Optional.of(limits(r.getLimits()))
                                                : Optional.empty(),
                                        r.hasReservations()
                                                ? Optional.of(limits(r.getReservations()))
                                                : Optional.empty()));
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
                            // the parser accepts only the three compose conditions
                            DependencyCondition condition =
                                    DependencyCondition.fromWireName(d.getCondition())
                                            .orElseThrow(
                                                    () ->
                                                            new IllegalArgumentException(
                                                                    "services."
                                                                            + name
                                                                            + ".depends_on."
                                                                            + dependency
                                                                            + ": unknown condition "
                                                                            + d.getCondition()));
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
}
