package ai.hanzo.node.cli.compose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.compute.ComposeSpec;
import ai.hanzo.node.api.compute.DependencyCondition;
import ai.hanzo.node.api.compute.ResourceLimits;
import ai.hanzo.node.api.compute.ServiceSpec;
import ai.hanzo.node.proto.v1.DependsOn;
import ai.hanzo.node.proto.v1.DeploySpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A compose file as parsed for the wire, then as the api's model the Orchestrator gets. */
class ComposeModelTest {
    @TempDir Path temp;

    private final ComposeParser parser = new ComposeParser(Map.of());

    @Test
    void everyFieldOfAParsedComposeFileReachesTheModel() throws Exception {
        String yaml =
                "name: shop\n"
                        + "services:\n"
                        + "  db:\n"
                        + "    image: postgres:16\n"
                        + "    healthcheck:\n"
                        + "      test: [\"CMD\", \"pg_isready\"]\n"
                        + "      interval: 5s\n"
                        + "      retries: 3\n"
                        + "  web:\n"
                        + "    image: nginx:1.27\n"
                        + "    command: [\"nginx\", \"-g\", \"daemon off;\"]\n"
                        + "    environment: {MODE: prod}\n"
                        + "    ports: [\"8080:80\"]\n"
                        + "    restart: on-failure:3\n"
                        + "    user: \"101\"\n"
                        + "    labels: {tier: front}\n"
                        + "    depends_on:\n"
                        + "      db: {condition: service_healthy}\n"
                        + "    deploy:\n"
                        + "      replicas: 2\n"
                        + "      resources:\n"
                        + "        limits: {cpus: \"0.5\", memory: 256M}\n"
                        + "networks:\n"
                        + "  back: {driver: bridge}\n"
                        + "volumes:\n"
                        + "  data: {}\n";
        ComposeSpec spec =
                ComposeModel.fromWire(parser.parse(yaml, "compose.yml", temp, "x").spec());

        assertEquals("shop", spec.name());
        assertEquals(java.util.Set.of("db", "web"), spec.services().keySet());
        ServiceSpec web = spec.services().get("web");
        assertEquals("nginx:1.27", web.image());
        assertEquals(List.of("nginx", "-g", "daemon off;"), web.command());
        assertEquals(Map.of("MODE", "prod"), web.environment());
        assertEquals("on-failure:3", web.restart());
        assertEquals("101", web.user());
        assertEquals("front", web.labels().get("tier"));
        assertEquals(DependencyCondition.SERVICE_HEALTHY, web.dependsOn().get("db").condition());
        assertEquals(2, web.deploy().orElseThrow().replicas());
        assertEquals(
                new ResourceLimits("0.5", "256M"),
                web.deploy().orElseThrow().resources().orElseThrow().limits().orElseThrow());
        assertEquals(1, web.ports().size());
        assertEquals(
                List.of("CMD", "pg_isready"),
                spec.services().get("db").healthcheck().orElseThrow().test());
        assertEquals(3, spec.services().get("db").healthcheck().orElseThrow().retries());
        assertEquals("bridge", spec.networks().get("back").driver());
        assertTrue(spec.volumes().containsKey("data"));
    }

    @Test
    void anUnknownDependencyConditionIsNamed() {
        var wire =
                ai.hanzo.node.proto.v1.ComposeSpec.newBuilder()
                        .putServices(
                                "web",
                                ai.hanzo.node.proto.v1.ServiceSpec.newBuilder()
                                        .setImage("nginx")
                                        .putDependsOn(
                                                "db",
                                                DependsOn.newBuilder()
                                                        .setCondition("service_ready")
                                                        .build())
                                        .build())
                        .build();
        var e = assertThrows(InvalidArgumentException.class, () -> ComposeModel.fromWire(wire));
        assertEquals(
                "services.web.depends_on.db.condition 'service_ready' is not service_started,"
                        + " service_healthy or service_completed_successfully",
                e.getMessage());
    }

    @Test
    void replicasAboveTheBoundAreRefusedAlsoWhenTheUnsignedCountOverflowsAnInt() {
        assertEquals(
                "services.web.deploy.replicas 10001 is over 10000",
                assertThrows(InvalidArgumentException.class, () -> withReplicas(10_001))
                        .getMessage());
        // uint32 on the wire: 2^32 - 1 arrives in Java as -1
        assertEquals(
                "services.web.deploy.replicas 4294967295 is over 10000",
                assertThrows(InvalidArgumentException.class, () -> withReplicas(-1)).getMessage());
        assertEquals(
                10_000,
                withReplicas(10_000).services().get("web").deploy().orElseThrow().replicas());
    }

    private static ComposeSpec withReplicas(int replicas) {
        return ComposeModel.fromWire(
                ai.hanzo.node.proto.v1.ComposeSpec.newBuilder()
                        .putServices(
                                "web",
                                ai.hanzo.node.proto.v1.ServiceSpec.newBuilder()
                                        .setImage("nginx")
                                        .setDeploy(DeploySpec.newBuilder().setReplicas(replicas))
                                        .build())
                        .build());
    }
}
