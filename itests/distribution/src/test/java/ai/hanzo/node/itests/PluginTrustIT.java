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
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeState;
import ai.hanzo.node.api.plugin.PluginEvents;
import ai.hanzo.node.api.plugin.PluginInfo;
import ai.hanzo.node.api.plugin.PluginRegistry;
import ai.hanzo.node.api.plugin.PluginState;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
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

/**
 * With {@code requireSignatures = true}, only plugins signed (jarsigner) by a certificate in the
 * configured trust directory resolve; unsigned ones and ones signed by another key are refused with
 * the reason, and none of their code runs.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PluginTrustIT {
    @Inject private BundleContext context;

    @Inject private NodeLifecycle node;

    @Inject private EventBus events;

    @Inject private PluginRegistry plugins;

    /**
     * @return the distribution requiring signed plugins, and three jars: unsigned, signed by an
     *     unknown key, signed by the trusted key
     */
    @Configuration
    public Option[] configuration() throws Exception {
        String archive = System.getProperty("hanzo.distribution.archive");
        File work = new File(System.getProperty("hanzo.test.work"));
        Path jars = work.toPath().resolve("trust-jars");
        Path keys = jars.resolve("keys.p12");
        Path trust = jars.resolve("trust");
        Files.createDirectories(trust);
        Files.deleteIfExists(keys);
        for (String alias : List.of("operator", "stranger")) {
            tool(
                    "keytool",
                    "-genkeypair",
                    "-keystore",
                    keys.toString(),
                    "-storetype",
                    "PKCS12",
                    "-storepass",
                    "changeit",
                    "-keypass",
                    "changeit",
                    "-alias",
                    alias,
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=" + alias,
                    "-validity",
                    "2");
        }
        tool(
                "keytool",
                "-exportcert",
                "-rfc",
                "-keystore",
                keys.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                "-alias",
                "operator",
                "-file",
                trust.resolve("operator.pem").toString());
        PluginJars.build(jars, "good", "itest-unsigned", "1.0.0");
        sign(keys, PluginJars.build(jars, "good", "itest-stranger", "1.0.0"), "stranger");
        sign(keys, PluginJars.build(jars, "good", "itest-trusted", "1.0.0"), "operator");
        return new Option[] {
            karafDistributionConfiguration()
                    .frameworkUrl("file:" + archive)
                    .unpackDirectory(new File(work, "exam-trust"))
                    .name("hanzo-node")
                    .useDeployFolder(false),
            configureConsole().ignoreLocalConsole().ignoreRemoteShell(),
            logLevel(LogLevel.INFO),
            editConfigurationFilePut(
                    "etc/system.properties", "hanzo.grpc.addr", "127.0.0.1:" + freePort()),
            editConfigurationFilePut(
                    "etc/system.properties", "chronicle.analytics.disable", "true"),
            editConfigurationFilePut(
                    "etc/system.properties", "hanzo.p2p.addr", "/ip4/127.0.0.1/tcp/0"),
            editConfigurationFilePut("etc/system.properties", "hanzo.p2p.mdns", "false"),
            editConfigurationFilePut("etc/ai.hanzo.node.plugins.cfg", "requireSignatures", "true"),
            editConfigurationFilePut(
                    "etc/ai.hanzo.node.plugins.cfg", "trustedCertificates", trust.toString()),
            vmOptions(
                    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
                    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                    "-Dchronicle.analytics.disable=true"),
            systemProperty("hanzo.itest.plugins").value(jars.toString()),
        };
    }

    @Test
    public void onlyPluginsSignedByATrustedKeyRun() throws Exception {
        BlockingQueue<NodeEvent> queue = new LinkedBlockingQueue<>();
        Subscription subscription =
                events.subscribe(Set.of(PluginEvents.FAILED, PluginEvents.ACTIVE), queue::add);
        try {
            for (String name : List.of("itest-unsigned", "itest-stranger", "itest-trusted")) {
                Path jar = Path.of(System.getProperty("hanzo.itest.plugins"), name + "-1.0.0.jar");
                Path partial = Path.of(System.getProperty("karaf.base"), name + ".part");
                Files.copy(jar, partial, StandardCopyOption.REPLACE_EXISTING);
                Files.move(
                        partial,
                        Path.of(System.getProperty("karaf.base"), "deploy", name + ".jar"),
                        StandardCopyOption.ATOMIC_MOVE);
            }
            List<String> seen = new ArrayList<>();
            while (seen.size() < 3) {
                NodeEvent event = queue.poll(30, TimeUnit.SECONDS);
                assertTrue("three verdicts, saw " + seen, event != null);
                seen.add(event.type() + " " + event.resourceId());
                if (event.resourceId().equals("itest-unsigned")) {
                    assertEquals(PluginEvents.FAILED, event.type());
                    assertEquals(
                            "refused: not signed (trusted signatures are required)",
                            event.attributes().get("reason"));
                } else if (event.resourceId().equals("itest-stranger")) {
                    assertEquals(PluginEvents.FAILED, event.type());
                    assertEquals(
                            "refused: signed by CN=stranger, which is not a trusted certificate",
                            event.attributes().get("reason"));
                } else {
                    assertEquals("itest-trusted", event.resourceId());
                    assertEquals(PluginEvents.ACTIVE, event.type());
                }
            }
        } finally {
            subscription.close();
        }
        for (String refused : List.of("itest-unsigned", "itest-stranger")) {
            PluginInfo info = plugins.get(refused).orElseThrow();
            assertEquals(PluginState.FAILED, info.state());
            Bundle bundle = context.getBundle(info.bundleId());
            assertEquals(refused + " never resolved", Bundle.INSTALLED, bundle.getState());
        }
        assertEquals(PluginState.ACTIVE, plugins.get("itest-trusted").orElseThrow().state());
        // refused plugins do not hold the node back
        awaitReady();
    }

    private void awaitReady() throws InterruptedException {
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
            assertTrue("node READY, is " + node.state(), ready.await(60, TimeUnit.SECONDS));
        } finally {
            subscription.close();
        }
    }

    private static void sign(Path keys, Path jar, String alias) throws Exception {
        tool(
                "jarsigner",
                "-keystore",
                keys.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                jar.toString(),
                alias);
    }

    private static void tool(String tool, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", tool).toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(tool + " failed: " + output);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
