package ai.hanzo.node.cli.compose;

import ai.hanzo.node.api.InvalidArgumentException;
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
 * The wire's compose messages (what {@link ComposeParser} produces and {@code Deploy} carries) as
 * the api's compose model. One copy for the two places that hand a compose file to the
 * Orchestrator: the rpc bundle (gRPC Deploy) and the Karaf shell ({@code hanzo:deploy}); both embed
 * this package. Only shape is checked here (what the model cannot represent); the Orchestrator
 * validates the content and names the offending field.
 */
public final class ComposeModel {
    /** Replicas a service may ask for at most; larger counts are a mistake, not a deployment. */
    public static final int MAX_REPLICAS = 10_000;

    private ComposeModel() {}

    /**
     * @param spec the wire's compose file
     * @return the api's model of it
     * @throws InvalidArgumentException when a field cannot be represented: an unknown {@code
     *     depends_on} condition, more than {@link #MAX_REPLICAS} replicas
     */
    public static ComposeSpec fromWire(ai.hanzo.node.proto.v1.ComposeSpec spec) {
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

    /**
     * @param limits the wire's resource limits
     * @return the api's
     */
    public static ResourceLimits limits(ai.hanzo.node.proto.v1.ResourceLimits limits) {
        return new ResourceLimits(limits.getCpus(), limits.getMemory());
    }

    private static ServiceSpec service(String name, ai.hanzo.node.proto.v1.ServiceSpec s) {
        return new ServiceSpec(
                s.getImage(),
                s.getCommandList(),
                s.getEntrypointList(),
                s.getEnvironmentMap(),
                s.getPortsList(),
                s.getVolumesList(),
                s.getNetworksList(),
                s.hasDeploy() ? Optional.of(deploy(name, s.getDeploy())) : Optional.empty(),
                s.hasHealthcheck()
                        ? Optional.of(healthcheck(s.getHealthcheck()))
                        : Optional.empty(),
                s.getRestart(),
                s.getWorkingDir(),
                s.getUser(),
                s.getStopSignal(),
                s.getStopGracePeriod(),
                dependsOn(name, s),
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

    private static DeploySpec deploy(String service, ai.hanzo.node.proto.v1.DeploySpec d) {
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
        // unsigned on the wire: a negative int here is a count above 2^31
        if (Integer.compareUnsigned(d.getReplicas(), MAX_REPLICAS) > 0) {
            throw new InvalidArgumentException(
                    "services."
                            + service
                            + ".deploy.replicas "
                            + Integer.toUnsignedString(d.getReplicas())
                            + " is over "
                            + MAX_REPLICAS);
        }
        return new DeploySpec(d.getReplicas(), resources);
    }

    private static HealthcheckSpec healthcheck(ai.hanzo.node.proto.v1.HealthcheckSpec h) {
        return new HealthcheckSpec(
                h.getTestList(),
                h.getInterval(),
                h.getTimeout(),
                h.getRetries(),
                h.getStartPeriod());
    }

    private static Map<String, ServiceDependency> dependsOn(
            String service, ai.hanzo.node.proto.v1.ServiceSpec s) {
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
                                                                            + service
                                                                            + ".depends_on."
                                                                            + dependency
                                                                            + ".condition '"
                                                                            + d.getCondition()
                                                                            + "' is not"
                                                                            + " service_started,"
                                                                            + " service_healthy or"
                                                                            + " service_completed_successfully"));
                            dependsOn.put(
                                    dependency, new ServiceDependency(condition, d.getRequired()));
                        });
        return dependsOn;
    }
}
