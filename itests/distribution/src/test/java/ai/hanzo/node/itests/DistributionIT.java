package ai.hanzo.node.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.vmOptions;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.compute.ComposeSpec;
import ai.hanzo.node.api.compute.DeploymentOptions;
import ai.hanzo.node.api.compute.DeploymentRequest;
import ai.hanzo.node.api.compute.DeploymentState;
import ai.hanzo.node.api.compute.DeploymentStatus;
import ai.hanzo.node.api.compute.Orchestrator;
import ai.hanzo.node.api.compute.ServiceSpec;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.event.EventTypes;
import ai.hanzo.node.api.node.HealthStatus;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeState;
import ai.hanzo.node.api.p2p.NodeDirectory;
import ai.hanzo.node.api.p2p.PeerNetwork;
import ai.hanzo.node.api.runtime.ContainerStatus;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.apache.karaf.features.Feature;
import org.apache.karaf.features.FeaturesService;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;

/**
 * Boots the assembled distribution (hanzo-node-*.tar.gz) in Pax Exam's Karaf container and checks
 * it from inside: core bundles active, every node feature installs, node READY, and GetHealth
 * answering over a real gRPC channel.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DistributionIT {
    private static final List<String> CORE_BUNDLES =
            List.of(
                    "ai.hanzo.node.api",
                    "ai.hanzo.node.core",
                    "ai.hanzo.node.rpc",
                    "ai.hanzo.node.p2p",
                    "ai.hanzo.node.storage",
                    "ai.hanzo.node.compute",
                    "org.apache.felix.scr");

    @Inject private BundleContext context;

    @Inject private FeaturesService features;

    @Inject private NodeLifecycle node;

    @Inject private PeerNetwork network;

    @Inject private NodeDirectory directory;

    @Inject private Orchestrator orchestrator;

    @Inject private EventBus eventBus;

    /**
     * @return the container: the node's own archive, with its gRPC server on a free port
     */
    @Configuration
    public Option[] configuration() throws IOException {
        String archive = System.getProperty("hanzo.distribution.archive");
        String grpcAddress = "127.0.0.1:" + freePort();
        return new Option[] {
            karafDistributionConfiguration()
                    .frameworkUrl("file:" + archive)
                    .unpackDirectory(new File(System.getProperty("hanzo.test.work"), "exam"))
                    .name("hanzo-node")
                    .useDeployFolder(false),
            configureConsole().ignoreLocalConsole().ignoreRemoteShell(),
            logLevel(LogLevel.INFO),
            editConfigurationFilePut("etc/system.properties", "hanzo.grpc.addr", grpcAddress),
            editConfigurationFilePut(
                    "etc/system.properties", "chronicle.analytics.disable", "true"),
            // P2P on loopback only, and no mDNS multicast from tests
            editConfigurationFilePut(
                    "etc/system.properties", "hanzo.p2p.addr", "/ip4/127.0.0.1/tcp/0"),
            editConfigurationFilePut("etc/system.properties", "hanzo.p2p.mdns", "false"),
            // as an operator sets them: a comma-separated value in the P2P .cfg file
            editConfigurationFilePut(
                    "etc/ai.hanzo.node.p2p.cfg", "capabilities", "gpu:itest,region:loopback"),
            // what bin/setenv gives the node's JVM for Chronicle Map (the store)
            vmOptions(
                    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
                    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                    "-Dchronicle.analytics.disable=true",
                    "-Djna.tmpdir="
                            + new File(System.getProperty("hanzo.test.work"), "jna")
                                    .getAbsolutePath()),
            systemProperty("hanzo.itest.grpc").value(grpcAddress),
            systemProperty("hanzo.itest.classpath").value(System.getProperty("java.class.path")),
            systemProperty("hanzo.itest.java")
                    .value(Path.of(System.getProperty("java.home"), "bin", "java").toString()),
        };
    }

    @Test
    public void everyCoreBundleIsActive() {
        for (String symbolicName : CORE_BUNDLES) {
            Bundle bundle =
                    Arrays.stream(context.getBundles())
                            .filter(b -> b.getSymbolicName().equals(symbolicName))
                            .findFirst()
                            .orElseThrow(
                                    () -> new AssertionError(symbolicName + " is not installed"));
            assertEquals(symbolicName + " state", Bundle.ACTIVE, bundle.getState());
        }
        List<String> notActive = new ArrayList<>();
        for (Bundle bundle : context.getBundles()) {
            boolean fragment = bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            if (!fragment && bundle.getState() != Bundle.ACTIVE) {
                notActive.add(bundle.getSymbolicName() + "=" + bundle.getState());
            }
        }
        assertTrue("bundles not active: " + notActive, notActive.isEmpty());
    }

    @Test
    public void everyNodeFeatureInstalls() throws Exception {
        List<Feature> nodeFeatures =
                Arrays.stream(features.listFeatures())
                        .filter(feature -> feature.getName().startsWith("hanzo-node-"))
                        .toList();
        assertTrue(
                "the node's feature repository lists hanzo-node-core",
                nodeFeatures.stream()
                        .anyMatch(feature -> feature.getName().equals("hanzo-node-core")));
        for (Feature feature : nodeFeatures) {
            features.installFeature(
                    feature, java.util.EnumSet.noneOf(FeaturesService.Option.class));
            assertTrue(feature.getName() + " installed", features.isInstalled(feature));
        }
    }

    @Test
    public void nodeIsReadyAndHealthy() throws InterruptedException {
        // the probe can start before the framework has raised its last start level
        CountDownLatch ready = new CountDownLatch(1);
        Subscription subscription =
                node.onStateChange(
                        change -> {
                            if (change.to() == NodeState.READY) {
                                ready.countDown();
                            }
                        });
        try {
            if (node.state() == NodeState.READY) {
                ready.countDown();
            }
            assertTrue(
                    "node READY within 30 s, is " + node.state(),
                    ready.await(30, TimeUnit.SECONDS));
        } finally {
            subscription.close();
        }
        assertEquals(HealthStatus.HEALTHY, node.health().status());
        assertTrue(
                "node id persisted",
                node.info().dataDirectory().resolve("node-id").toFile().isFile());
    }

    @Test
    public void getHealthAnswersOverGrpc() throws Exception {
        Process client =
                new ProcessBuilder(
                                System.getProperty("hanzo.itest.java"),
                                "-cp",
                                System.getProperty("hanzo.itest.classpath"),
                                HealthProbeClient.class.getName(),
                                System.getProperty("hanzo.itest.grpc"))
                        .redirectErrorStream(true)
                        .start();
        assertTrue("client finished", client.waitFor(60, TimeUnit.SECONDS));
        String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals("client output: " + output, 0, client.exitValue());
        assertTrue(output, output.contains("SERVING"));
        assertTrue(output, output.contains("HEALTH_STATUS_HEALTHY"));
    }

    @Test
    public void nodeIsOnTheNetworkWithItsDeclaredCapabilities() throws InterruptedException {
        assertTrue(network.localPeerId(), network.localPeerId().startsWith("12D3KooW"));
        assertTrue(
                network.listenAddresses().toString(),
                network.listenAddresses().stream()
                        .allMatch(
                                a ->
                                        a.startsWith("/ip4/127.0.0.1/tcp/")
                                                && a.endsWith("/p2p/" + network.localPeerId())));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!directory
                        .localCapabilities()
                        .equals(java.util.Set.of("gpu:itest", "region:loopback", "runtime:process"))
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        // the built-in process runtime is advertised as soon as it passes its self-test
        assertEquals(
                java.util.Set.of("gpu:itest", "region:loopback", "runtime:process"),
                directory.localCapabilities());
    }

    @Test
    public void aDeploymentRunsOnTheProcessRuntime() throws Exception {
        assertTrue(
                orchestrator.runtimes().toString(),
                orchestrator.runtimes().stream()
                        .anyMatch(r -> r.name().equals("process") && r.availability().available()));
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch removed = new CountDownLatch(1);
        Subscription events =
                eventBus.subscribe(
                        Set.of(EventTypes.DEPLOYMENT_STATE),
                        e -> {
                            if (e.resourceId().equals("itest-web")) {
                                String state = e.attributes().get("state");
                                if ("running".equals(state)) {
                                    running.countDown();
                                } else if ("removed".equals(state)) {
                                    removed.countDown();
                                }
                            }
                        });
        try {
            ServiceSpec web =
                    ServiceSpec.builder("/bin/sh")
                            .command("-c", "echo up; exec sleep 1000")
                            .replicas(2)
                            .build();
            orchestrator.deploy(
                    new DeploymentRequest(
                            "itest-web",
                            "",
                            new ComposeSpec("3.8", "itest", Map.of("web", web), Map.of(), Map.of()),
                            Map.of(),
                            DeploymentOptions.onRuntime("process")));
            assertTrue("deployment running within 60 s", running.await(60, TimeUnit.SECONDS));
            DeploymentStatus status = orchestrator.status("itest-web").orElseThrow();
            assertEquals(DeploymentState.RUNNING, status.state());
            assertEquals(2, status.readyReplicas());
            List<ContainerStatus> containers =
                    orchestrator.containers(false, Map.of("hanzo.deployment", "itest-web"));
            assertEquals(2, containers.size());
            assertTrue(
                    "the process runtime keeps its files in the node's data directory",
                    node.info()
                            .dataDirectory()
                            .resolve("compute/process")
                            .resolve(containers.get(0).id())
                            .toFile()
                            .isDirectory());
            orchestrator.remove("itest-web", false);
            assertTrue("deployment removed within 60 s", removed.await(60, TimeUnit.SECONDS));
            assertTrue(orchestrator.deployment("itest-web").isEmpty());
            assertTrue(
                    orchestrator
                            .containers(true, Map.of("hanzo.deployment", "itest-web"))
                            .isEmpty());
        } finally {
            events.close();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket =
                new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
