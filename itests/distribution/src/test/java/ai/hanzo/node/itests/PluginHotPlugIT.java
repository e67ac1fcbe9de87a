package ai.hanzo.node.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
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
import ai.hanzo.node.api.compute.Orchestrator;
import ai.hanzo.node.api.compute.ServiceSpec;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.event.EventTypes;
import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.inference.DataType;
import ai.hanzo.node.api.inference.Device;
import ai.hanzo.node.api.inference.InferRequest;
import ai.hanzo.node.api.inference.InferenceEngine;
import ai.hanzo.node.api.inference.InferenceService;
import ai.hanzo.node.api.inference.ModelFormat;
import ai.hanzo.node.api.inference.ModelInfo;
import ai.hanzo.node.api.inference.ModelSource;
import ai.hanzo.node.api.inference.ModelState;
import ai.hanzo.node.api.inference.Tensor;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.node.NodeState;
import ai.hanzo.node.api.node.NodeStateChange;
import ai.hanzo.node.api.p2p.PeerNetwork;
import ai.hanzo.node.api.plugin.PluginEvents;
import ai.hanzo.node.api.plugin.PluginInfo;
import ai.hanzo.node.api.plugin.PluginInstaller;
import ai.hanzo.node.api.plugin.PluginRegistry;
import ai.hanzo.node.api.plugin.PluginState;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.store.NodeStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import javax.inject.Inject;
import javax.management.ObjectName;
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
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Hot-plugs plugins into the real distribution through its deploy/ folder: ten install/uninstall
 * cycles leave every other bundle untouched (same wiring, same state, no stop, same core services)
 * and the node READY; misbehaving plugins (activation throws, self-test hangs, self-test answers
 * null, calls keep failing, a thread left running) are reported with their reasons and left out.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PluginHotPlugIT {
    private static final String PLUGIN_PREFIX = "ai.hanzo.node.itests.plugin.";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject private BundleContext context;

    @Inject private NodeLifecycle node;

    @Inject private EventBus events;

    @Inject private PluginRegistry plugins;

    @Inject private PluginInstaller installer;

    // injected so the test waits for them, and checks they stay the same service objects
    @Inject private NodeScheduler scheduler;

    @Inject private NodeStore store;

    @Inject private PeerNetwork network;

    @Inject private Orchestrator orchestrator;

    @Inject private InferenceService inference;

    /**
     * @return the distribution, with short plugin deadlines, and the test plugins built as jars
     */
    @Configuration
    public Option[] configuration() throws IOException {
        String archive = System.getProperty("hanzo.distribution.archive");
        File work = new File(System.getProperty("hanzo.test.work"));
        Path jars = work.toPath().resolve("plugin-jars");
        for (String variant :
                List.of("good", "throwing", "hanging", "garbage", "leaky", "subscriber")) {
            PluginJars.build(jars, variant, "itest-" + variant, "1.0.0");
        }
        PluginJars.build(jars, "good", "itest-good", "1.1.0");
        return new Option[] {
            karafDistributionConfiguration()
                    .frameworkUrl("file:" + archive)
                    .unpackDirectory(new File(work, "exam-plugins"))
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
            editConfigurationFilePut(
                    "etc/ai.hanzo.node.plugins.cfg", "selfTestTimeoutSeconds", "2"),
            editConfigurationFilePut("etc/ai.hanzo.node.plugins.cfg", "leakGraceSeconds", "1"),
            vmOptions(
                    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
                    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                    "-Dchronicle.analytics.disable=true"),
            systemProperty("hanzo.itest.plugins").value(jars.toString()),
            systemProperty("hanzo.example.runc.jar")
                    .value(System.getProperty("hanzo.example.runc.jar", "")),
            systemProperty("hanzo.example.linear.kar")
                    .value(System.getProperty("hanzo.example.linear.kar", "")),
            systemProperty("hanzo.example.linear.jars")
                    .value(System.getProperty("hanzo.example.linear.jars", "")),
            // 3 by default; the leak run of the runc example sets 50
            systemProperty("hanzo.itest.runcCycles")
                    .value(System.getProperty("hanzo.itest.runcCycles", "3")),
            // to trace what holds a runc loader: the node's heap, dumped when one is held
            systemProperty("hanzo.itest.heapdump")
                    .value(System.getProperty("hanzo.itest.heapdump", "")),
            // 10 by default; the leak run sets 50 (README, "Plugins": leak figures)
            systemProperty("hanzo.itest.pluginCycles")
                    .value(System.getProperty("hanzo.itest.pluginCycles", "10")),
        };
    }

    @Test
    public void installUninstallCyclesLeaveTheCoreAlone() throws Exception {
        awaitReady();
        int cycles = Integer.getInteger("hanzo.itest.pluginCycles", 10);
        // a deployment that must keep running and a model that must stay loaded throughout
        deployAndAwait("itest-steady", "process", "/bin/sh", "-c", "exec sleep 1000");
        List<String> steadyBefore = containerFacts("itest-steady");
        awaitCondition(
                "a model loaded",
                () -> inference.models().stream().anyMatch(m -> m.state() == ModelState.READY));
        List<String> modelsBefore = modelFacts();
        MemoryFigures start = MemoryFigures.afterGc();
        Map<Long, String> before = snapshot();
        Map<String, Object> coreServices = coreServiceIds();
        List<String> collateral = new CopyOnWriteArrayList<>();
        BundleListener watcher = collateralWatcher(Set.of(), collateral);
        List<NodeStateChange> stateChanges = new CopyOnWriteArrayList<>();
        Subscription states = node.onStateChange(stateChanges::add);
        context.addBundleListener(watcher);
        ReferenceQueue<ClassLoader> collected = new ReferenceQueue<>();
        List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
        try (PluginEventQueue queue = new PluginEventQueue(events)) {
            for (int cycle = 1; cycle <= cycles; cycle++) {
                Path deployed = deploy("itest-good");
                NodeEvent active = queue.await(PluginEvents.ACTIVE, "itest-good");
                assertEquals(
                        "cycle " + cycle, "engine:itest-good", active.attributes().get("provides"));
                PluginInfo info = plugins.get("itest-good").orElseThrow();
                assertEquals("cycle " + cycle, PluginState.ACTIVE, info.state());
                assertEquals(List.of("engine:itest-good"), info.provides());
                assertEquals("1.0.0", info.descriptor().version());
                assertEquals("hanzo-node itests", info.descriptor().author());
                loaders.add(
                        new WeakReference<>(
                                context.getBundle(info.bundleId())
                                        .adapt(BundleWiring.class)
                                        .getClassLoader(),
                                collected));
                Files.delete(deployed);
                queue.await(PluginEvents.UNINSTALLED, "itest-good");
                assertTrue("cycle " + cycle + " gone", plugins.get("itest-good").isEmpty());
            }
        } finally {
            context.removeBundleListener(watcher);
            states.close();
        }
        assertTrue("other bundles saw no lifecycle event: " + collateral, collateral.isEmpty());
        assertEquals("same bundles, states and wirings", before, snapshot());
        assertEquals("same core service registrations", coreServices, coreServiceIds());
        assertTrue("node never changed state: " + stateChanges, stateChanges.isEmpty());
        assertEquals(NodeState.READY, node.state());
        assertEquals(
                "the deployment's containers kept running, never restarted",
                steadyBefore,
                containerFacts("itest-steady"));
        assertEquals(
                DeploymentState.RUNNING, orchestrator.status("itest-steady").orElseThrow().state());
        assertEquals("the models stayed loaded, never reloaded", modelsBefore, modelFacts());
        removeAndAwait("itest-steady");
        // nothing holds on to an uninstalled plugin: its class loaders can be collected
        int gone = awaitCollected(collected, loaders.size());
        assertEquals(
                "class loaders of the " + cycles + " uninstalled plugins collected",
                loaders.size(),
                gone);
        // figures for the leak report, not asserted (timings and sizes vary by machine)
        MemoryFigures end = MemoryFigures.afterGc();
        System.out.println(start.leakReport("plugin cycles", cycles, gone, loaders.size(), end));
    }

    /**
     * The runc example plugin (examples/runtime-runc), hot-installed, used for a deployment and
     * uninstalled over and over: every cycle's class loader is collected. The leak figures of the
     * README come from this test with {@code -Dhanzo.itest.runcCycles=50}.
     */
    @Test
    public void runcExampleCyclesRunDeploymentsAndLeaveNoClassLoader() throws Exception {
        awaitReady();
        Path example = Path.of(System.getProperty("hanzo.example.runc.jar"));
        assertTrue("the runc example is built: " + example, Files.isRegularFile(example));
        int cycles = Integer.getInteger("hanzo.itest.runcCycles", 3);
        MemoryFigures start = MemoryFigures.afterGc();
        ReferenceQueue<ClassLoader> collected = new ReferenceQueue<>();
        List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
        Path deployed = null;
        String deployment = null;
        try (PluginEventQueue queue = new PluginEventQueue(events)) {
            for (int cycle = 1; cycle <= cycles; cycle++) {
                deployed = deployJar(example, "runtime-runc.jar");
                // the bundle can be active a moment before its runtime is registered and
                // self-tested: that is a second plugin.active, naming the runtime
                NodeEvent active = queue.await(PluginEvents.ACTIVE, "runc");
                while (!"runtime:runc".equals(active.attributes().get("provides"))) {
                    active = queue.await(PluginEvents.ACTIVE, "runc");
                }
                PluginInfo info = plugins.get("runc").orElseThrow();
                loaders.add(
                        new WeakReference<>(
                                context.getBundle(info.bundleId())
                                        .adapt(BundleWiring.class)
                                        .getClassLoader(),
                                collected));
                // the orchestrator self-tests a new runtime on its own, just after the extender
                awaitCondition(
                        "runc available to the orchestrator",
                        () ->
                                orchestrator.runtimes().stream()
                                        .anyMatch(
                                                r ->
                                                        r.name().equals("runc")
                                                                && r.availability().available()));
                String id = "itest-runc-" + cycle;
                deployment = id;
                deployAndAwait(id, "runc", "sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait");
                assertTrue("cycle " + cycle, containerFacts(id).get(0).startsWith("runc-"));
                removeAndAwait(id);
                deployment = null;
                Files.delete(deployed);
                deployed = null;
                queue.await(PluginEvents.UNINSTALLED, "runc");
            }
        } finally {
            // a failed cycle must not leave its deployment or the plugin behind for the next test
            cleanUpRunc(deployment, deployed);
        }
        assertEquals(NodeState.READY, node.state());
        int gone = awaitCollected(collected, loaders.size());
        MemoryFigures end = MemoryFigures.afterGc();
        System.out.println(
                start.leakReport("runc example cycles", cycles, gone, loaders.size(), end));
        List<Integer> held = new ArrayList<>();
        for (int i = 0; i < loaders.size(); i++) {
            if (loaders.get(i).get() != null) {
                held.add(i + 1);
            }
        }
        // -Dhanzo.itest.heapdump=/tmp/x.hprof, then examples/inference-pytorch/src/test/python/
        // gc-root-path.py /tmp/x.hprof ai.hanzo.example.runc.RuncRuntime prints what holds them
        String heapDump = System.getProperty("hanzo.itest.heapdump", "");
        if (!held.isEmpty() && !heapDump.isEmpty()) {
            Files.deleteIfExists(Path.of(heapDump));
            ManagementFactory.getPlatformMBeanServer()
                    .invoke(
                            new ObjectName("com.sun.management:type=HotSpotDiagnostic"),
                            "dumpHeap",
                            new Object[] {heapDump, true},
                            new String[] {String.class.getName(), boolean.class.getName()});
        }
        assertEquals(
                "class loaders of the "
                        + cycles
                        + " uninstalled runc plugins collected (held: cycles "
                        + held
                        + ")",
                loaders.size(),
                gone);
    }

    /**
     * The multi-bundle example (examples/engine-linear-kar: an engine bundle importing a library
     * bundle shipped beside it in one KAR), hot-installed three times: dropped into deploy/, then
     * through the PluginInstaller behind gRPC PluginService as a KAR and as a features XML. Each
     * time it is listed once, loads a model and computes with it, and is uninstalled; no other
     * bundle sees a lifecycle event, and the class loaders of both its bundles are collected.
     */
    @Test
    public void karPluginHotInstallsUsesAndUninstallsWithoutTouchingTheCore() throws Exception {
        awaitReady();
        Path kar = Path.of(System.getProperty("hanzo.example.linear.kar"));
        assertTrue("the KAR example is built: " + kar, Files.isRegularFile(kar));
        Set<String> karBundles =
                Set.of("hanzo-node-example-safetensors", "hanzo-node-example-engine-linear");
        Path model = Path.of(System.getProperty("karaf.base"), "linear.safetensors");
        // y = W x + b with W = [[1, 2, 3], [-1, 0, 1]] and b = [0.5, -2]
        Files.write(
                model,
                safetensors(
                        new long[] {2, 3},
                        new float[] {1, 2, 3, -1, 0, 1},
                        new float[] {0.5f, -2}));
        Map<Long, String> before = snapshot(karBundles);
        List<String> collateral = new CopyOnWriteArrayList<>();
        BundleListener watcher = collateralWatcher(karBundles, collateral);
        context.addBundleListener(watcher);
        ReferenceQueue<ClassLoader> collected = new ReferenceQueue<>();
        List<WeakReference<ClassLoader>> loaders = new ArrayList<>();
        Path deployed = null;
        try (PluginEventQueue queue = new PluginEventQueue(events)) {
            // 1. dropped into deploy/: the node's plugin deployer installs its feature
            deployed = deployJar(kar, "linear.kar");
            NodeEvent active = queue.await(PluginEvents.ACTIVE, "linear");
            while (!"engine:linear".equals(active.attributes().get("provides"))) {
                active = queue.await(PluginEvents.ACTIVE, "linear");
            }
            useLinearPlugin(model, karBundles, loaders, collected);
            Files.delete(deployed);
            deployed = null;
            queue.await(PluginEvents.UNINSTALLED, "linear");
            awaitCondition("the KAR's bundles uninstalled", () -> installed(karBundles).isEmpty());

            // 2. through the installer behind PluginService (bin/hanzo-node plugin install x.kar)
            PluginInfo info = installer.install("", Files.readAllBytes(kar), WAIT);
            assertEquals(PluginState.ACTIVE, info.state());
            assertEquals(List.of("engine:linear"), info.provides());
            assertTrue(
                    "written as a KAR",
                    Files.isRegularFile(
                            Path.of(System.getProperty("karaf.base"), "deploy", "linear.kar")));
            useLinearPlugin(model, karBundles, loaders, collected);
            installer.uninstall("linear", WAIT);
            assertTrue(plugins.get("linear").isEmpty());
            awaitCondition("the KAR's bundles uninstalled", () -> installed(karBundles).isEmpty());

            // 3. a features XML naming the two bundles' jars, through the installer
            StringBuilder xml =
                    new StringBuilder(
                            "<features name=\"linear-itest\""
                                    + " xmlns=\"http://karaf.apache.org/xmlns/features/v1.6.0\">"
                                    + "<feature name=\"linear\" version=\"1.0.0\">");
            for (String jar : System.getProperty("hanzo.example.linear.jars").split(",")) {
                assertTrue("built: " + jar, Files.isRegularFile(Path.of(jar)));
                xml.append("<bundle>").append(Path.of(jar).toUri()).append("</bundle>");
            }
            xml.append("</feature></features>");
            info =
                    installer.install(
                            "linear-features.xml",
                            xml.toString().getBytes(StandardCharsets.UTF_8),
                            WAIT);
            assertEquals(PluginState.ACTIVE, info.state());
            useLinearPlugin(model, karBundles, loaders, collected);
            installer.uninstall("linear", WAIT);
            awaitCondition(
                    "the feature's bundles uninstalled", () -> installed(karBundles).isEmpty());
        } finally {
            context.removeBundleListener(watcher);
            if (deployed != null) {
                Files.deleteIfExists(deployed);
            }
            Files.deleteIfExists(Path.of(System.getProperty("karaf.base"), "deploy", "linear.kar"));
        }
        assertTrue("other bundles saw no lifecycle event: " + collateral, collateral.isEmpty());
        assertEquals("same bundles, states and wirings", before, snapshot(karBundles));
        assertEquals(NodeState.READY, node.state());
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        awaitCondition(
                "no uninstalled bundle left pending: " + wiring.getRemovalPendingBundles(),
                () -> wiring.getRemovalPendingBundles().isEmpty());
        int gone = awaitCollected(collected, loaders.size());
        assertEquals("class loaders of both bundles, every time, collected", loaders.size(), gone);
    }

    /**
     * The multi-bundle example dropped into deploy/ as a features XML (the plugin model),
     * then updated by replacing the file, and the same done with its KAR: each time the new version
     * is listed and computes, deleting the file uninstalls it, and no other bundle sees a lifecycle
     * event. Other XML in deploy/ is left alone with one log line; a malformed features XML and one
     * naming a jar that is not there are listed failed with the reason, and install nothing.
     */
    @Test
    public void featuresXmlAndKarDropsInstallUpdateAndUninstallWithoutTouchingTheCore()
            throws Exception {
        awaitReady();
        Path kar = Path.of(System.getProperty("hanzo.example.linear.kar"));
        assertTrue("the KAR example is built: " + kar, Files.isRegularFile(kar));
        String karName = kar.getFileName().toString();
        // hanzo-node-example-linear-kar-<maven version>.kar
        String mavenVersion =
                karName.substring(
                        "hanzo-node-example-linear-kar-".length(),
                        karName.length() - ".kar".length());
        String newer = "99.0.0";
        Set<String> karBundles =
                Set.of("hanzo-node-example-safetensors", "hanzo-node-example-engine-linear");
        Path base = Path.of(System.getProperty("karaf.base"));
        Path deploy = base.resolve("deploy");
        Path model = base.resolve("linear-drop.safetensors");
        Files.write(
                model,
                safetensors(
                        new long[] {2, 3},
                        new float[] {1, 2, 3, -1, 0, 1},
                        new float[] {0.5f, -2}));
        List<Path> jars = new ArrayList<>();
        List<Path> newerJars = new ArrayList<>();
        for (String jar : System.getProperty("hanzo.example.linear.jars").split(",")) {
            assertTrue("built: " + jar, Files.isRegularFile(Path.of(jar)));
            jars.add(Path.of(jar));
            Path bumped = base.resolve("newer-" + Path.of(jar).getFileName());
            Files.write(bumped, withBundleVersion(Files.readAllBytes(Path.of(jar)), newer));
            newerJars.add(bumped);
        }
        Map<Long, String> before = snapshot(karBundles);
        List<String> collateral = new CopyOnWriteArrayList<>();
        BundleListener watcher = collateralWatcher(karBundles, collateral);
        context.addBundleListener(watcher);
        List<Path> dropped = new ArrayList<>();
        try (PluginEventQueue queue = new PluginEventQueue(events)) {
            // other XML is left alone, with one log line
            dropped.add(deployText("beans.xml", "<beans/>"));
            awaitCondition(
                    "the log says deploy/beans.xml is left alone",
                    () -> logContains("deploy/beans.xml is no Karaf features XML"));
            // a malformed features XML: failed, with the parser's reason
            dropped.add(
                    deployText(
                            "broken.xml",
                            "<features xmlns=\"http://karaf.apache.org/xmlns/features/v1.6.0\">"
                                    + "<feature name=\"x\">"));
            PluginInfo broken = awaitPlugin("broken", PluginState.FAILED);
            assertTrue(broken.reason(), broken.reason().contains("not a features XML"));
            // one naming a jar that is not there: failed, naming it
            Path absent = base.resolve("absent.jar");
            dropped.add(deployText("absent.xml", featuresXml("absent", List.of(absent))));
            PluginInfo missing = awaitPlugin("absent", PluginState.FAILED);
            assertTrue(missing.reason(), missing.reason().contains(absent.toUri().toString()));
            assertEquals(NodeState.READY, node.state());
            for (Path file : List.copyOf(dropped)) {
                Files.delete(file);
                dropped.remove(file);
            }
            awaitCondition(
                    "deleted failed files leave the list",
                    () -> plugins.get("broken").isEmpty() && plugins.get("absent").isEmpty());

            // 1. a features XML dropped into deploy/
            Path xml = deployText("linear.xml", featuresXml("linear", jars));
            dropped.add(xml);
            awaitActive(queue);
            String version = plugins.get("linear").orElseThrow().descriptor().version();
            useLinearPlugin(model, karBundles, new ArrayList<>(), new ReferenceQueue<>());
            long engineId =
                    installed(karBundles).get("hanzo-node-example-engine-linear").getBundleId();
            // replaced by a malformed one: refused, listed beside the plugin, which keeps running
            deployText(
                    "linear.xml",
                    "<features xmlns=\"http://karaf.apache.org/xmlns/features/v1.6.0\">");
            awaitCondition(
                    "the refused replacement listed",
                    () ->
                            plugins.list().stream()
                                    .anyMatch(
                                            p ->
                                                    p.descriptor().name().equals("linear")
                                                            && p.state() == PluginState.FAILED
                                                            && p.bundleId() == 0));
            PluginInfo running = plugins.get("linear").orElseThrow();
            assertEquals(PluginState.ACTIVE, running.state());
            assertEquals(version, running.descriptor().version());
            assertEquals(engineId, running.bundleId());
            // replaced by one naming newer jars: updated in place (and the refusal cleared)
            deployText("linear.xml", featuresXml("linear", newerJars));
            PluginInfo updated = awaitPlugin("linear", PluginState.ACTIVE, newer);
            assertEquals(List.of("engine:linear"), updated.provides());
            assertEquals(
                    newer,
                    installed(karBundles)
                            .get("hanzo-node-example-engine-linear")
                            .getVersion()
                            .toString());
            useLinearPlugin(model, karBundles, new ArrayList<>(), new ReferenceQueue<>());
            Files.delete(xml);
            dropped.remove(xml);
            awaitCondition("the XML's bundles uninstalled", () -> installed(karBundles).isEmpty());
            assertTrue(plugins.get("linear").isEmpty());

            // 2. the KAR dropped, then replaced by a newer KAR
            Path dropKar = deployJar(kar, "linear.kar");
            dropped.add(dropKar);
            awaitPlugin("linear", PluginState.ACTIVE, version);
            Path newerKar = base.resolve("linear-newer.kar");
            Files.write(newerKar, newerKar(Files.readAllBytes(kar), mavenVersion, newer));
            deployJar(newerKar, "linear.kar");
            awaitPlugin("linear", PluginState.ACTIVE, newer);
            assertEquals(
                    newer,
                    installed(karBundles)
                            .get("hanzo-node-example-engine-linear")
                            .getVersion()
                            .toString());
            useLinearPlugin(model, karBundles, new ArrayList<>(), new ReferenceQueue<>());
            Files.delete(dropKar);
            dropped.remove(dropKar);
            awaitCondition("the KAR's bundles uninstalled", () -> installed(karBundles).isEmpty());
        } finally {
            context.removeBundleListener(watcher);
            for (Path file : dropped) {
                Files.deleteIfExists(file);
            }
        }
        assertTrue("other bundles saw no lifecycle event: " + collateral, collateral.isEmpty());
        assertEquals("same bundles, states and wirings", before, snapshot(karBundles));
        assertEquals(NodeState.READY, node.state());
        FrameworkWiring wiring = context.getBundle(0).adapt(FrameworkWiring.class);
        awaitCondition(
                "no uninstalled bundle left pending: " + wiring.getRemovalPendingBundles(),
                () -> wiring.getRemovalPendingBundles().isEmpty());
    }

    private static void awaitActive(PluginEventQueue queue) throws InterruptedException {
        NodeEvent active = queue.await(PluginEvents.ACTIVE, "linear");
        while (!"engine:linear".equals(active.attributes().get("provides"))) {
            active = queue.await(PluginEvents.ACTIVE, "linear");
        }
    }

    private PluginInfo awaitPlugin(String name, PluginState state) throws InterruptedException {
        return awaitPlugin(name, state, null);
    }

    /** Waits until the plugin is listed in that state (and version, when one is given). */
    private PluginInfo awaitPlugin(String name, PluginState state, String version)
            throws InterruptedException {
        awaitCondition(
                "plugin " + name + " " + state + (version == null ? "" : " " + version),
                () ->
                        plugins.get(name)
                                .filter(
                                        p ->
                                                p.state() == state
                                                        // active with its engine self-tested
                                                        && (state != PluginState.ACTIVE
                                                                || !p.provides().isEmpty())
                                                        && (version == null
                                                                || p.descriptor()
                                                                        .version()
                                                                        .equals(version)))
                                .isPresent());
        return plugins.get(name).orElseThrow();
    }

    private static boolean logContains(String text) {
        Path log = Path.of(System.getProperty("karaf.data"), "log", "hanzo-node.log");
        try {
            return Files.readString(log, StandardCharsets.UTF_8).contains(text);
        } catch (IOException notYet) {
            return false;
        }
    }

    private static String featuresXml(String name, List<Path> bundles) {
        StringBuilder xml =
                new StringBuilder(
                        "<features name=\""
                                + name
                                + "-itest\""
                                + " xmlns=\"http://karaf.apache.org/xmlns/features/v1.6.0\">"
                                + "<feature name=\""
                                + name
                                + "\" version=\"1.0.0\">");
        for (Path jar : bundles) {
            xml.append("<bundle>").append(jar.toUri()).append("</bundle>");
        }
        return xml.append("</feature></features>").toString();
    }

    private Path deployText(String fileName, String text) throws IOException {
        Path partial = Path.of(System.getProperty("karaf.base"), fileName + ".part");
        Files.writeString(partial, text, StandardCharsets.UTF_8);
        return deployJar(partial, fileName);
    }

    /** The jar with another Bundle-Version, as a newer release of it would have. */
    private static byte[] withBundleVersion(byte[] jar, String version) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            Manifest manifest = new Manifest(in.getManifest());
            manifest.getMainAttributes().putValue("Bundle-Version", version);
            try (JarOutputStream out = new JarOutputStream(bytes, manifest)) {
                for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        return bytes.toByteArray();
    }

    /**
     * The KAR as its next release: every Maven path and the features XML say the newer version,
     * every bundle carries it as its Bundle-Version.
     */
    private static byte[] newerKar(byte[] kar, String mavenVersion, String newer)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(kar));
                ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                byte[] content = in.readAllBytes();
                String name = e.getName().replace(mavenVersion, newer);
                if (name.endsWith(".jar")) {
                    content = withBundleVersion(content, newer);
                } else if (name.endsWith(".xml")) {
                    content =
                            new String(content, StandardCharsets.UTF_8)
                                    .replace(mavenVersion, newer)
                                    .getBytes(StandardCharsets.UTF_8);
                }
                out.putNextEntry(new ZipEntry(name));
                out.write(content);
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /**
     * Runs collections until {@code expected} weak references were enqueued or the wait ends, and
     * counts every reference each collection cleared: counting one per collection made a 50-cycle
     * run stop at 40, as one full collection took most of a second on a loaded machine.
     */
    private static int awaitCollected(ReferenceQueue<ClassLoader> collected, int expected)
            throws InterruptedException {
        int gone = 0;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (gone < expected && System.nanoTime() < deadline) {
            System.gc();
            while (collected.poll() != null) {
                gone++;
            }
            if (gone < expected && collected.remove(500) != null) {
                gone++;
            }
        }
        return gone;
    }

    /** The plugin is listed once, its engine loads a model and computes y = W x + b with it. */
    private void useLinearPlugin(
            Path model,
            Set<String> karBundles,
            List<WeakReference<ClassLoader>> loaders,
            ReferenceQueue<ClassLoader> collected)
            throws Exception {
        List<PluginInfo> listed =
                plugins.list().stream()
                        .filter(p -> p.descriptor().name().equals("linear"))
                        .toList();
        assertEquals("one plugin, not one per bundle: " + plugins.list(), 1, listed.size());
        assertEquals(PluginState.ACTIVE, listed.get(0).state());
        Map<String, Bundle> bundles = installed(karBundles);
        assertEquals(karBundles, bundles.keySet());
        Bundle engine = bundles.get("hanzo-node-example-engine-linear");
        Bundle library = bundles.get("hanzo-node-example-safetensors");
        assertEquals(listed.get(0).bundleId(), engine.getBundleId());
        assertTrue(
                "the engine bundle is wired to the library bundle beside it",
                engine.adapt(BundleWiring.class).getRequiredWires("osgi.wiring.package").stream()
                        .anyMatch(w -> w.getProvider().getBundle().equals(library)));
        for (Bundle bundle : bundles.values()) {
            loaders.add(
                    new WeakReference<>(
                            bundle.adapt(BundleWiring.class).getClassLoader(), collected));
        }
        // the plugin is ACTIVE once its engine is registered and self-tested; the inference
        // service binds that engine through its own dynamic reference, which may come a moment
        // later (CI once loaded the model in between and got "no available engine (linear)")
        awaitCondition(
                "the inference service has the linear engine",
                () -> inference.engines().stream().anyMatch(e -> e.name().equals("linear")));
        inference
                .load(
                        new ModelSource(
                                "itest-linear",
                                ModelFormat.SAFETENSORS,
                                model.toUri(),
                                Map.of(ModelSource.ENGINE, "linear")))
                .toCompletableFuture()
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        ByteBuffer x = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        x.putFloat(1).putFloat(2).putFloat(3).flip();
        Tensor y =
                inference
                        .infer(
                                new InferRequest(
                                        "itest-linear",
                                        List.of(
                                                Map.of(
                                                        "x",
                                                        new Tensor(
                                                                DataType.FLOAT32,
                                                                new long[] {3},
                                                                x))),
                                        null))
                        .toCompletableFuture()
                        .get(WAIT.toSeconds(), TimeUnit.SECONDS)
                        .outputs()
                        .get(0)
                        .get("y");
        float[] values = new float[2];
        y.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        // [1*1 + 2*2 + 3*3 + 0.5, -1 + 0 + 3 - 2]
        assertEquals(14.5f, values[0], 1e-6f);
        assertEquals(0f, values[1], 1e-6f);
        inference
                .unload("itest-linear")
                .toCompletableFuture()
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private Map<String, Bundle> installed(Set<String> symbolicNames) {
        Map<String, Bundle> result = new HashMap<>();
        for (Bundle bundle : context.getBundles()) {
            if (symbolicNames.contains(bundle.getSymbolicName())) {
                result.put(bundle.getSymbolicName(), bundle);
            }
        }
        return result;
    }

    /** A safetensors file of an F32 weight and bias, written here byte by byte. */
    private static byte[] safetensors(long[] shape, float[] weight, float[] bias) {
        String header =
                "{\"weight\":{\"dtype\":\"F32\",\"shape\":["
                        + shape[0]
                        + ","
                        + shape[1]
                        + "],\"data_offsets\":[0,"
                        + weight.length * 4
                        + "]},\"bias\":{\"dtype\":\"F32\",\"shape\":["
                        + bias.length
                        + "],\"data_offsets\":["
                        + weight.length * 4
                        + ","
                        + (weight.length + bias.length) * 4
                        + "]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer file =
                ByteBuffer.allocate(8 + json.length + (weight.length + bias.length) * 4)
                        .order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(json.length).put(json);
        for (float f : weight) {
            file.putFloat(f);
        }
        for (float f : bias) {
            file.putFloat(f);
        }
        return file.array();
    }

    private void cleanUpRunc(String deployment, Path deployed) throws Exception {
        if (deployment != null && orchestrator.status(deployment).isPresent()) {
            removeAndAwait(deployment);
        }
        if (deployed != null && Files.deleteIfExists(deployed)) {
            awaitCondition("the runc plugin uninstalled", () -> plugins.get("runc").isEmpty());
        }
    }

    private void deployAndAwait(String id, String runtime, String executable, String... args)
            throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        Subscription states =
                events.subscribe(
                        Set.of(EventTypes.DEPLOYMENT_STATE),
                        e -> {
                            if (e.resourceId().equals(id)
                                    && "running".equals(e.attributes().get("state"))) {
                                running.countDown();
                            }
                        });
        try {
            ServiceSpec service =
                    (runtime.equals("runc")
                                    ? ServiceSpec.builder("busybox").entrypoint(executable)
                                    : ServiceSpec.builder(executable))
                            .command(args)
                            .build();
            orchestrator.deploy(
                    new DeploymentRequest(
                            id,
                            "",
                            new ComposeSpec("3.8", id, Map.of("svc", service), Map.of(), Map.of()),
                            Map.of(),
                            DeploymentOptions.onRuntime(runtime)));
            assertTrue(
                    id + " running within " + WAIT + ": " + orchestrator.status(id),
                    running.await(WAIT.toSeconds(), TimeUnit.SECONDS));
        } finally {
            states.close();
        }
    }

    private void removeAndAwait(String id) throws InterruptedException {
        CountDownLatch removed = new CountDownLatch(1);
        Subscription states =
                events.subscribe(
                        Set.of(EventTypes.DEPLOYMENT_STATE),
                        e -> {
                            if (e.resourceId().equals(id)
                                    && "removed".equals(e.attributes().get("state"))) {
                                removed.countDown();
                            }
                        });
        try {
            orchestrator.remove(id, false);
            assertTrue(
                    id + " removed within " + WAIT,
                    removed.await(WAIT.toSeconds(), TimeUnit.SECONDS));
        } finally {
            states.close();
        }
    }

    /** Each container of a deployment: id, state, start time and restarts. */
    private List<String> containerFacts(String deployment) {
        List<String> facts = new ArrayList<>();
        for (ContainerStatus c :
                orchestrator.containers(false, Map.of("hanzo.deployment", deployment))) {
            facts.add(
                    c.id()
                            + " "
                            + c.state()
                            + " started="
                            + c.startedAt()
                            + " restarts="
                            + c.restartCount());
        }
        facts.sort(String::compareTo);
        assertFalse(deployment + " has containers", facts.isEmpty());
        return facts;
    }

    /** Each loaded model: id, state, engine and when it was loaded. */
    private List<String> modelFacts() {
        List<String> facts = new ArrayList<>();
        for (ModelInfo m : inference.models()) {
            facts.add(m.modelId() + " " + m.state() + " " + m.engine() + " " + m.loadedAt());
        }
        facts.sort(String::compareTo);
        return facts;
    }

    /** Checks a condition on the node's scheduler until it holds (no sleeping in the test). */
    private void awaitCondition(String what, BooleanSupplier condition)
            throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        ScheduledFuture<?> check =
                scheduler.scheduleWithFixedDelay(
                        "itest await " + what,
                        () -> {
                            if (condition.getAsBoolean()) {
                                done.countDown();
                            }
                        },
                        Duration.ZERO,
                        Duration.ofMillis(100));
        try {
            assertTrue(what + " within " + WAIT, done.await(WAIT.toSeconds(), TimeUnit.SECONDS));
        } finally {
            check.cancel(false);
        }
    }

    private Path deployJar(Path jar, String fileName) throws IOException {
        Path target = Path.of(System.getProperty("karaf.base"), "deploy", fileName);
        Path partial = Path.of(System.getProperty("karaf.base"), fileName + ".part");
        Files.copy(jar, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(
                partial,
                target,
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    /** Heap and metaspace in use after a collection, and the loaded class count. */
    private record MemoryFigures(long heapMb, long metaspaceMb, int loadedClasses) {
        /** The line the README's leak figures are copied from; these as "before". */
        String leakReport(String what, int cycles, int collected, int loaders, MemoryFigures end) {
            return what
                    + ": "
                    + cycles
                    + ", class loaders collected: "
                    + collected
                    + "/"
                    + loaders
                    + ", heap used MB before/after: "
                    + heapMb
                    + "/"
                    + end.heapMb
                    + ", metaspace MB before/after: "
                    + metaspaceMb
                    + "/"
                    + end.metaspaceMb
                    + ", loaded classes before/after: "
                    + loadedClasses
                    + "/"
                    + end.loadedClasses;
        }

        static MemoryFigures afterGc() {
            System.gc();
            long metaspace = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getName().equals("Metaspace")) {
                    metaspace = pool.getUsage().getUsed();
                }
            }
            return new MemoryFigures(
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20,
                    metaspace >> 20,
                    ManagementFactory.getClassLoadingMXBean().getLoadedClassCount());
        }
    }

    @Test
    public void updatingAPluginLeavesTheCoreAlone() throws Exception {
        awaitReady();
        try (PluginEventQueue queue = new PluginEventQueue(events)) {
            Path deployed = deploy("itest-good", "1.0.0");
            assertEquals(
                    "1.0.0",
                    queue.await(PluginEvents.ACTIVE, "itest-good").attributes().get("version"));
            Map<Long, String> before = snapshot();
            Map<String, Object> coreServices = coreServiceIds();
            long bundleId = plugins.get("itest-good").orElseThrow().bundleId();

            deploy("itest-good", "1.1.0");
            assertEquals(
                    "1.1.0",
                    queue.await(PluginEvents.ACTIVE, "itest-good").attributes().get("version"));
            PluginInfo updated = plugins.get("itest-good").orElseThrow();
            assertEquals("updated in place", bundleId, updated.bundleId());
            assertEquals("1.1.0", updated.descriptor().version());
            assertEquals(PluginState.ACTIVE, updated.state());
            assertEquals("same bundles, states and wirings", before, snapshot());
            assertEquals("same core service registrations", coreServices, coreServiceIds());
            assertEquals(NodeState.READY, node.state());

            Files.delete(deployed);
            queue.await(PluginEvents.UNINSTALLED, "itest-good");
        }
    }

    @Test
    public void misbehavingPluginsAreReportedAndLeftOut() throws Exception {
        awaitReady();
        try (PluginEventQueue queue = new PluginEventQueue(events)) {
            List<Path> deployed = new ArrayList<>();
            for (String name : List.of("itest-throwing", "itest-hanging", "itest-garbage")) {
                deployed.add(deploy(name));
            }

            NodeEvent throwing = queue.await(PluginEvents.FAILED, "itest-throwing");
            assertTrue(reason(throwing), reason(throwing).contains("activation failed"));
            assertTrue(reason(throwing), reason(throwing).contains("refuses to start"));

            NodeEvent hanging = queue.await(PluginEvents.UNAVAILABLE, "itest-hanging");
            assertTrue(
                    reason(hanging),
                    reason(hanging).startsWith("engine:itest-hanging: self-test failed"));
            assertEquals(
                    PluginState.UNAVAILABLE, plugins.get("itest-hanging").orElseThrow().state());

            NodeEvent garbage = queue.await(PluginEvents.UNAVAILABLE, "itest-garbage");
            assertTrue(reason(garbage), reason(garbage).contains("null"));

            // calls that keep failing take the plugin out: its engine is withdrawn (the failed
            // self-test counted as the first of the 3 failures in a row)
            ServiceReference<InferenceEngine> engine = engineReference("itest-garbage");
            assertNotNull("garbage engine registered", engine);
            InferenceEngine service = context.getService(engine);
            for (int call = 0; call < 2; call++) {
                ExecutionException failed =
                        assertFails(
                                plugins.call(
                                        service,
                                        "load",
                                        () -> service.load(null, Device.cpu()),
                                        Duration.ofSeconds(2)));
                assertTrue(
                        failed.getCause().getMessage(),
                        failed.getCause().getMessage().contains("loads no models"));
            }
            context.ungetService(engine);
            NodeEvent takenOut = queue.await(PluginEvents.FAILED, "itest-garbage");
            assertTrue(reason(takenOut), reason(takenOut).contains("3 calls in a row failed"));
            queue.await(PluginEvents.STOPPED, "itest-garbage");
            assertEquals(null, engineReference("itest-garbage"));
            PluginInfo garbageInfo = plugins.get("itest-garbage").orElseThrow();
            assertEquals(PluginState.FAILED, garbageInfo.state());
            assertEquals("failures counted", 3, garbageInfo.failures());
            CompletableFuture<Object> refused =
                    plugins.call(
                            service,
                            "load",
                            () -> service.load(null, Device.cpu()),
                            Duration.ofSeconds(2));
            ExecutionException refusal = assertFails(refused);
            assertTrue(
                    refusal.getCause().getMessage(),
                    refusal.getCause().getMessage().contains("is failed"));

            // a thread left running after stop is found, named and interrupted
            deployed.add(deploy("itest-leaky"));
            queue.await(PluginEvents.ACTIVE, "itest-leaky");
            Thread leaked =
                    Thread.getAllStackTraces().keySet().stream()
                            .filter(thread -> thread.getName().equals("itest-leaky-worker"))
                            .findFirst()
                            .orElseThrow(() -> new AssertionError("leaky plugin's thread runs"));
            Files.delete(deployed.remove(deployed.size() - 1));
            NodeEvent leak = queue.await(PluginEvents.FAILED, "itest-leaky");
            assertTrue(reason(leak), reason(leak).contains("itest-leaky-worker"));
            leaked.join(WAIT.toMillis());
            assertFalse("leaked thread ended after the interrupt", leaked.isAlive());

            assertEquals(NodeState.READY, node.state());
            for (Path jar : deployed) {
                Files.delete(jar);
            }
            for (String name : List.of("itest-throwing", "itest-hanging", "itest-garbage")) {
                queue.await(PluginEvents.UNINSTALLED, name);
            }
        }
        assertEquals(NodeState.READY, node.state());
    }

    @Test
    public void subscriptionsAPluginLeftOpenAreClosedWhenItGoes() throws Exception {
        awaitReady();
        BlockingQueue<NodeEvent> echoes = new LinkedBlockingQueue<>();
        Subscription echoSubscription = events.subscribe(Set.of("itest.echo"), echoes::add);
        try (PluginEventQueue queue = new PluginEventQueue(events)) {
            Path jar = deploy("itest-subscriber");
            queue.await(PluginEvents.ACTIVE, "itest-subscriber");
            events.publish(NodeEvent.now("itest.ping", "itest", "while-installed", "ping"));
            NodeEvent echo = echoes.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertNotNull("the plugin answers while installed", echo);
            assertEquals("while-installed", echo.resourceId());
            store.put("itest/ping/while-installed", new byte[] {1});
            NodeEvent watched = echoes.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertNotNull("the plugin's store watch answers while installed", watched);
            assertEquals("store:itest/ping/while-installed", watched.resourceId());

            Files.delete(jar);
            queue.await(PluginEvents.UNINSTALLED, "itest-subscriber");
            events.publish(NodeEvent.now("itest.ping", "itest", "after-uninstall", "ping"));
            // delivery to a live subscriber takes milliseconds (it did above): 3 s of silence
            // means the subscription is closed
            store.put("itest/ping/after-uninstall", new byte[] {1});
            NodeEvent late = echoes.poll(3, TimeUnit.SECONDS);
            assertEquals("no echo (event or store watch) after the plugin went", null, late);
        } finally {
            echoSubscription.close();
        }
    }

    private static ExecutionException assertFails(CompletableFuture<?> future) throws Exception {
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException expected) {
            return expected;
        }
        throw new AssertionError("call succeeded");
    }

    private ServiceReference<InferenceEngine> engineReference(String name) throws Exception {
        Collection<ServiceReference<InferenceEngine>> found =
                context.getServiceReferences(
                        InferenceEngine.class,
                        "(" + InferenceEngine.NAME_PROPERTY + "=" + name + ")");
        return found.isEmpty() ? null : found.iterator().next();
    }

    private static String reason(NodeEvent event) {
        return event.attributes().getOrDefault("reason", "");
    }

    private Path deploy(String name) throws IOException {
        return deploy(name, "1.0.0");
    }

    private Path deploy(String name, String version) throws IOException {
        Path jar =
                Path.of(System.getProperty("hanzo.itest.plugins"), name + "-" + version + ".jar");
        Path target = Path.of(System.getProperty("karaf.base"), "deploy", name + ".jar");
        // written aside and moved in, so File Install never sees half a jar
        Path partial = Path.of(System.getProperty("karaf.base"), name + ".jar.part");
        Files.copy(jar, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(
                partial,
                target,
                StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    /** Every bundle that is not a test plugin: its state, last modification and wiring identity. */
    private Map<Long, String> snapshot() {
        return snapshot(Set.of());
    }

    private Map<Long, String> snapshot(Set<String> skipped) {
        Map<Long, String> result = new HashMap<>();
        for (Bundle bundle : context.getBundles()) {
            String name = String.valueOf(bundle.getSymbolicName());
            if (name.startsWith(PLUGIN_PREFIX) || skipped.contains(name)) {
                continue;
            }
            BundleWiring wiring = bundle.adapt(BundleWiring.class);
            result.put(
                    bundle.getBundleId(),
                    name
                            + " state="
                            + bundle.getState()
                            + " modified="
                            + bundle.getLastModified()
                            + " wiring="
                            + (wiring == null ? "none" : System.identityHashCode(wiring)));
        }
        return result;
    }

    private Map<String, Object> coreServiceIds() {
        Map<String, Object> result = new HashMap<>();
        for (Class<?> type :
                List.of(
                        NodeLifecycle.class,
                        EventBus.class,
                        NodeScheduler.class,
                        NodeStore.class,
                        PeerNetwork.class,
                        PluginRegistry.class)) {
            ServiceReference<?> reference = context.getServiceReference(type);
            assertNotNull(type.getSimpleName() + " registered", reference);
            result.put(type.getSimpleName(), reference.getProperty("service.id"));
        }
        return result;
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

    /**
     * Records, into {@code collateral}, every lifecycle event of a bundle that is neither a plugin
     * nor one of {@code expected}: what a plugin change must never cause.
     */
    private static BundleListener collateralWatcher(Set<String> expected, List<String> collateral) {
        return event -> {
            String name = String.valueOf(event.getBundle().getSymbolicName());
            if (!expected.contains(name) && !name.startsWith(PLUGIN_PREFIX)) {
                collateral.add(name + " " + typeOf(event.getType()));
            }
        };
    }

    private static String typeOf(int type) {
        return switch (type) {
            case BundleEvent.INSTALLED -> "INSTALLED";
            case BundleEvent.RESOLVED -> "RESOLVED";
            case BundleEvent.STARTING -> "STARTING";
            case BundleEvent.STARTED -> "STARTED";
            case BundleEvent.STOPPING -> "STOPPING";
            case BundleEvent.STOPPED -> "STOPPED";
            case BundleEvent.UNRESOLVED -> "UNRESOLVED";
            case BundleEvent.UPDATED -> "UPDATED";
            case BundleEvent.UNINSTALLED -> "UNINSTALLED";
            default -> "event " + type;
        };
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Plugin events as they come, taken out one by one in the order the test expects them. */
    private static final class PluginEventQueue implements AutoCloseable {
        private final BlockingQueue<NodeEvent> incoming = new LinkedBlockingQueue<>();
        private final List<NodeEvent> held = new ArrayList<>();
        private final Subscription subscription;

        PluginEventQueue(EventBus events) {
            subscription =
                    events.subscribe(
                            Set.of(
                                    PluginEvents.INSTALLED,
                                    PluginEvents.STARTED,
                                    PluginEvents.ACTIVE,
                                    PluginEvents.UNAVAILABLE,
                                    PluginEvents.FAILED,
                                    PluginEvents.STOPPED,
                                    PluginEvents.UNINSTALLED),
                            incoming::add);
        }

        NodeEvent await(String type, String plugin) throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                for (Iterator<NodeEvent> it = held.iterator(); it.hasNext(); ) {
                    NodeEvent event = it.next();
                    if (event.type().equals(type) && event.resourceId().equals(plugin)) {
                        it.remove();
                        return event;
                    }
                }
                long left = deadline - System.nanoTime();
                NodeEvent next = left > 0 ? incoming.poll(left, TimeUnit.NANOSECONDS) : null;
                if (next == null) {
                    throw new AssertionError(
                            "no "
                                    + type
                                    + " event for "
                                    + plugin
                                    + " within "
                                    + WAIT
                                    + "; saw "
                                    + held);
                }
                held.add(next);
            }
        }

        @Override
        public void close() {
            subscription.close();
        }
    }
}
