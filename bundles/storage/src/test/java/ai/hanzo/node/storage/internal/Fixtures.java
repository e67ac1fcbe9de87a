package ai.hanzo.node.storage.internal;

import ai.hanzo.node.api.compute.ComposeSpec;
import ai.hanzo.node.api.compute.ContainerRecord;
import ai.hanzo.node.api.compute.DependencyCondition;
import ai.hanzo.node.api.compute.DeploySpec;
import ai.hanzo.node.api.compute.Deployment;
import ai.hanzo.node.api.compute.DeploymentOptions;
import ai.hanzo.node.api.compute.DeploymentState;
import ai.hanzo.node.api.compute.HealthcheckSpec;
import ai.hanzo.node.api.compute.NetworkSpec;
import ai.hanzo.node.api.compute.ResourceLimits;
import ai.hanzo.node.api.compute.ResourceSpec;
import ai.hanzo.node.api.compute.ServiceDependency;
import ai.hanzo.node.api.compute.ServiceSpec;
import ai.hanzo.node.api.compute.VolumeSpec;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.api.runtime.DeviceRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Test data and store openers shared by the tests. */
final class Fixtures {
    static final Instant T0 = Instant.parse("2026-11-24T00:00:00Z");

    private Fixtures() {}

    static ChronicleNodeStore open(Path dir) {
        return open(dir, StoreSettings.defaults());
    }

    static ChronicleNodeStore open(Path dir, StoreSettings settings) {
        return new ChronicleNodeStore(dir, settings, Clock.systemUTC(), false, null);
    }

    /** Small maps so tests stay fast and growth is reached quickly. */
    static StoreSettings small() {
        return new StoreSettings(
                64,
                1024,
                64,
                256,
                64,
                128,
                64,
                64,
                16,
                1_048_576,
                java.time.Duration.ofHours(24),
                75);
    }

    static Deployment deployment(String id) {
        ServiceSpec web =
                new ServiceSpec(
                        "nginx:1.27",
                        List.of("nginx", "-g", "daemon off;"),
                        List.of(),
                        Map.of("MODE", "prod"),
                        List.of("127.0.0.1:8080:80/tcp"),
                        List.of("data:/var/lib/data:ro"),
                        List.of("front"),
                        Optional.of(
                                new DeploySpec(
                                        2,
                                        Optional.of(
                                                new ResourceSpec(
                                                        Optional.of(
                                                                new ResourceLimits("0.5", "512m")),
                                                        Optional.empty())))),
                        Optional.of(
                                new HealthcheckSpec(List.of("CMD", "true"), "30s", "5s", 3, "10s")),
                        "always",
                        "/srv",
                        "1000:1000",
                        "SIGINT",
                        "20s",
                        Map.of(
                                "worker",
                                new ServiceDependency(DependencyCondition.SERVICE_HEALTHY, true)),
                        List.of(
                                new DeviceRequest(
                                        "nvidia", 1, List.of(), List.of("gpu"), Map.of())),
                        Map.of("tier", "front"));
        ServiceSpec worker =
                new ServiceSpec(
                        "worker",
                        List.of(),
                        List.of(),
                        Map.of(),
                        List.of(),
                        List.of(),
                        List.of(),
                        Optional.empty(),
                        Optional.empty(),
                        "",
                        "",
                        "",
                        "",
                        "",
                        Map.of(),
                        List.of(),
                        Map.of());
        ComposeSpec spec =
                new ComposeSpec(
                        "3.8",
                        "shop",
                        Map.of("web", web, "worker", worker),
                        Map.of("front", new NetworkSpec("bridge", false)),
                        Map.of("data", new VolumeSpec("local", Map.of("o", "bind"))));
        return new Deployment(
                id,
                "shop-" + id,
                spec,
                Map.of("REGION", "eu"),
                new DeploymentOptions(
                        "ns",
                        "production",
                        Map.of("team", "a", DeploymentOptions.RUNTIME_LABEL, "process"),
                        Optional.of(new ResourceLimits("1", "1g"))),
                Map.of("web", 2, "worker", 1),
                DeploymentState.RUNNING,
                "all replicas up",
                T0,
                T0.plusSeconds(5));
    }

    /**
     * @return what {@link #deployment} was under schema version 1: no compose fields beyond
     *     restart, and the runtime (then its own field) as the label
     */
    static Deployment deploymentAsOfSchemaOne(String id) {
        Deployment d = deployment(id);
        ServiceSpec web = d.spec().services().get("web");
        ServiceSpec webV1 =
                new ServiceSpec(
                        web.image(),
                        web.command(),
                        web.entrypoint(),
                        web.environment(),
                        web.ports(),
                        web.volumes(),
                        web.networks(),
                        web.deploy(),
                        web.healthcheck(),
                        web.restart(),
                        "",
                        "",
                        "",
                        "",
                        Map.of(),
                        List.of(),
                        Map.of());
        ComposeSpec spec =
                new ComposeSpec(
                        d.spec().version(),
                        d.spec().name(),
                        Map.of("web", webV1, "worker", d.spec().services().get("worker")),
                        d.spec().networks(),
                        d.spec().volumes());
        return new Deployment(
                d.id(),
                d.name(),
                spec,
                d.environment(),
                d.options(),
                d.replicas(),
                d.state(),
                d.message(),
                d.createdAt(),
                d.updatedAt());
    }

    static ContainerRecord container(String id, String deploymentId) {
        return new ContainerRecord(
                id,
                deploymentId,
                "web",
                0,
                "process",
                "web-" + id,
                "nginx:1.27",
                ContainerState.RUNNING,
                T0,
                List.of("127.0.0.1:8080->80/tcp"),
                Map.of("hanzo.deployment", deploymentId));
    }
}
