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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
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
        multiBundlePlugins(jars, keys);
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

    /**
     * Multi-bundle plugins: every bundle jar must be signed. The linear example's KAR with its two
     * jars signed by the trusted key runs; the KAR as built (unsigned) is refused before anything
     * is installed, as is a features XML naming unsigned jars; one naming the signed jars runs.
     */
    @Test
    public void multiBundlePluginsRunOnlyWhenEveryBundleIsSigned() throws Exception {
        awaitReady();
        Path prepared = Path.of(System.getProperty("hanzo.itest.plugins"));
        Set<String> karBundles =
                Set.of("hanzo-node-example-safetensors", "hanzo-node-example-engine-linear");
        for (String file : List.of("linear-unsigned.kar", "linear-unsigned.xml")) {
            Path dropped = drop(prepared.resolve(file), file);
            PluginInfo refused = awaitPlugin(dropped, PluginState.FAILED);
            assertTrue(
                    refused.reason(),
                    refused.reason().startsWith("refused: bundle ")
                            && refused.reason()
                                    .endsWith(": not signed (trusted signatures are required)"));
            assertTrue(
                    "nothing of " + file + " installed: " + installed(karBundles),
                    installed(karBundles).isEmpty());
            Files.delete(dropped);
            awaitGone(dropped);
        }
        for (String file : List.of("linear-signed.kar", "linear-signed.xml")) {
            Path dropped = drop(prepared.resolve(file), file);
            PluginInfo accepted = awaitPlugin(dropped, PluginState.ACTIVE);
            assertEquals(List.of("engine:linear"), accepted.provides());
            assertEquals(karBundles, installed(karBundles));
            Files.delete(dropped);
            awaitGone(dropped);
            awaitCondition(
                    "bundles of " + file + " uninstalled", () -> installed(karBundles).isEmpty());
        }
        assertEquals(NodeState.READY, node.state());
    }

    private static Path drop(Path file, String name) throws IOException {
        Path partial = Path.of(System.getProperty("karaf.base"), name + ".part");
        Files.copy(file, partial, StandardCopyOption.REPLACE_EXISTING);
        Path target = Path.of(System.getProperty("karaf.base"), "deploy", name);
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    /** The plugin "linear" in that state (active: with its engine self-tested). */
    private PluginInfo awaitPlugin(Path dropped, PluginState state) throws InterruptedException {
        awaitCondition(
                "plugin linear " + state + " from " + dropped.getFileName(),
                () ->
                        plugins.get("linear")
                                .filter(
                                        p ->
                                                p.state() == state
                                                        && (state != PluginState.ACTIVE
                                                                || !p.provides().isEmpty()))
                                .isPresent());
        return plugins.get("linear").orElseThrow();
    }

    private void awaitGone(Path dropped) throws InterruptedException {
        awaitCondition(
                "plugin linear gone after deleting " + dropped.getFileName(),
                () -> plugins.get("linear").isEmpty());
    }

    private Set<String> installed(Set<String> symbolicNames) {
        Set<String> result = new HashSet<>();
        for (Bundle bundle : context.getBundles()) {
            if (symbolicNames.contains(bundle.getSymbolicName())) {
                result.add(bundle.getSymbolicName());
            }
        }
        return result;
    }

    /** Polls a condition every 100 ms on a timer until it holds (no sleeping in the test). */
    private static void awaitCondition(String what, BooleanSupplier condition)
            throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            timer.scheduleWithFixedDelay(
                    () -> {
                        if (condition.getAsBoolean()) {
                            done.countDown();
                        }
                    },
                    0,
                    100,
                    TimeUnit.MILLISECONDS);
            assertTrue(what + " within 30 s", done.await(30, TimeUnit.SECONDS));
        } finally {
            timer.shutdownNow();
        }
    }

    /**
     * Prepares the linear example (examples/engine-linear-kar) four ways in {@code jars}: its KAR
     * as built and with both bundle jars signed by the trusted key, and a features XML naming the
     * unsigned jars and one naming signed copies.
     */
    private static void multiBundlePlugins(Path jars, Path keys) throws Exception {
        Path kar = Path.of(System.getProperty("hanzo.example.linear.kar"));
        if (!Files.isRegularFile(kar)) {
            throw new IOException("the KAR example is not built: " + kar);
        }
        Files.copy(kar, jars.resolve("linear-unsigned.kar"), StandardCopyOption.REPLACE_EXISTING);
        Path signing = Files.createDirectories(jars.resolve("signing"));
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(kar));
                ZipOutputStream out =
                        new ZipOutputStream(
                                Files.newOutputStream(jars.resolve("linear-signed.kar")))) {
            int n = 0;
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                byte[] content = in.readAllBytes();
                if (e.getName().startsWith("repository/") && e.getName().endsWith(".jar")) {
                    Path jar = signing.resolve("kar-" + n++ + ".jar");
                    Files.write(jar, content);
                    sign(keys, jar, "operator");
                    content = Files.readAllBytes(jar);
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(content);
                out.closeEntry();
            }
        }
        StringBuilder unsigned = new StringBuilder();
        StringBuilder signed = new StringBuilder();
        for (String jar : System.getProperty("hanzo.example.linear.jars").split(",")) {
            Path original = Path.of(jar);
            Path copy = jars.resolve("signed-" + original.getFileName());
            Files.copy(original, copy, StandardCopyOption.REPLACE_EXISTING);
            sign(keys, copy, "operator");
            unsigned.append("<bundle>").append(original.toUri()).append("</bundle>");
            signed.append("<bundle>").append(copy.toUri()).append("</bundle>");
        }
        String head =
                "<features name=\"linear-trust\""
                        + " xmlns=\"http://karaf.apache.org/xmlns/features/v1.6.0\">"
                        + "<feature name=\"linear\" version=\"1.0.0\">";
        String tail = "</feature></features>";
        Files.writeString(jars.resolve("linear-unsigned.xml"), head + unsigned + tail);
        Files.writeString(jars.resolve("linear-signed.xml"), head + signed + tail);
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
