package ai.hanzo.node.plugins.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.plugin.PluginInfo;
import ai.hanzo.node.api.plugin.PluginRegistry;
import ai.hanzo.node.api.plugin.PluginState;
import ai.hanzo.node.plugins.internal.PluginFileDeployer.XmlKind;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.apache.karaf.kar.KarService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the deployer does with XML files in deploy/: which it takes, what it hands to Karaf's KAR
 * service (a recording stand-in here; the real one is used in PluginHotPlugIT), and what a refused
 * file leaves in the plugin list.
 */
class PluginFileDeployerTest {
    private static final String NS = "http://karaf.apache.org/xmlns/features/v1.6.0";

    @TempDir Path dir;
    private Path deploy;
    private final RecordingKars kars = new RecordingKars();
    private final DeployProblems problems = new DeployProblems();
    private final List<PluginInfo> installed = new ArrayList<>();
    private PluginFileDeployer deployer;

    @BeforeEach
    void setUp() throws IOException {
        deploy = Files.createDirectories(dir.resolve("deploy"));
        deployer = deployer(null);
    }

    private PluginFileDeployer deployer(Function<byte[], Optional<String>> signature) {
        return new PluginFileDeployer(
                kars, problems, new ListedPlugins(), dir.resolve("work"), signature);
    }

    private Path plugin(String name, String version) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-SymbolicName", "example." + name);
        main.putValue("Bundle-Version", version);
        main.putValue("Hanzo-Plugin-Name", name);
        Path jar = dir.resolve(name + "-" + version + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            out.putNextEntry(new JarEntry("a/B.class"));
            out.write(new byte[] {1});
            out.closeEntry();
        }
        return jar;
    }

    private Path drop(String fileName, String xml) throws IOException {
        return Files.writeString(deploy.resolve(fileName), xml, StandardCharsets.UTF_8);
    }

    private static String features(String... bundles) {
        StringBuilder xml = new StringBuilder("<features name=\"x\" xmlns=\"" + NS + "\">");
        xml.append("<feature name=\"p\" version=\"1\">");
        for (String b : bundles) {
            xml.append("<bundle>").append(b).append("</bundle>");
        }
        return xml.append("</feature></features>").toString();
    }

    @Test
    void recognisesAFeaturesXmlByItsRootElementAndNamespace() {
        assertEquals(XmlKind.FEATURES, kind(features()));
        assertEquals(XmlKind.FEATURES, kind("<?xml version=\"1.0\"?><features/>"));
        assertEquals(
                XmlKind.OTHER,
                kind("<blueprint" + " xmlns=\"http://www.osgi.org/xmlns/blueprint/v1.0.0\"/>"));
        assertEquals(XmlKind.OTHER, kind("<features xmlns=\"urn:someone-else\"/>"));
        assertEquals(XmlKind.OTHER, kind("<project/>"));
        assertEquals(XmlKind.OTHER, kind("not xml at all"));
        // broken inside: taken, and refused with the parser's reason when installed
        assertEquals(
                XmlKind.FEATURES,
                kind("<features xmlns=\"" + NS + "\"><feature name=\"p\"></features>"));
        // broken before its root element is read: taken for the namespace it names
        assertEquals(XmlKind.MALFORMED_FEATURES, kind("<features xmlns=\"" + NS + "\" <x"));
        // a DTD is neither read nor followed
        assertEquals(
                XmlKind.OTHER,
                kind("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>"));
    }

    private static XmlKind kind(String xml) {
        return PluginFileDeployer.kindOf(xml.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void leavesOtherXmlAndOtherFilesAlone() throws IOException {
        assertFalse(deployer.canHandle(drop("beans.xml", "<beans/>").toFile()));
        assertFalse(deployer.canHandle(deploy.resolve("x.jar").toFile()));
        assertTrue(deployer.canHandle(drop("p.xml", features()).toFile()));
        assertTrue(deployer.canHandle(drop("bad.xml", "<features xmlns=\"" + NS + "\">").toFile()));
    }

    @Test
    void installsThroughTheKarServiceUpdatesAndUninstalls() throws Exception {
        Path v1 = plugin("linear", "1.0.0");
        File file = drop("linear.xml", features(v1.toUri().toString())).toFile();
        deployer.install(file);
        assertEquals(List.of("install linear.xml"), kars.calls);
        try (ZipFile kar = new ZipFile(dir.resolve("work/linear.xml.kar").toFile())) {
            assertTrue(
                    kar.getEntry("repository/hanzo/plugins/linear/1.0.0/linear-1.0.0-features.xml")
                            != null,
                    "the XML sits under repository/ in the KAR");
        }
        assertTrue(problems.list().isEmpty());

        // File Install hands the same file over again when the node starts: nothing happens
        deployer.install(file);
        assertEquals(List.of("install linear.xml"), kars.calls);

        Path v2 = plugin("linear", "1.1.0");
        drop("linear.xml", features(v2.toUri().toString()));
        deployer.update(file);
        assertEquals(
                List.of("install linear.xml", "uninstall linear.xml", "install linear.xml"),
                kars.calls);

        deployer.uninstall(file);
        assertEquals("uninstall linear.xml", kars.calls.get(kars.calls.size() - 1));
        assertFalse(Files.exists(dir.resolve("work/linear.xml.kar")));
    }

    /** A KAR carrying the plugin's jar and a features XML naming it by its Maven location. */
    private byte[] kar(Path jar) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            out.putNextEntry(new ZipEntry("repository/com/example/linear/1.0.0/linear-1.0.0.jar"));
            out.write(Files.readAllBytes(jar));
            out.closeEntry();
            out.putNextEntry(
                    new ZipEntry("repository/com/example/linear/1.0.0/linear-1.0.0-features.xml"));
            out.write(features("mvn:com.example/linear/1.0.0").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return bytes.toByteArray();
    }

    @Test
    void aKarIsInstalledFromDeployUnderItsOwnName() throws Exception {
        Path file = deploy.resolve("linear.kar");
        Files.write(file, kar(plugin("linear", "1.0.0")));
        assertTrue(deployer.canHandle(file.toFile()));
        deployer.install(file.toFile());
        assertEquals(List.of("install linear"), kars.calls);
        assertEquals(file.toUri(), kars.uris.get(0), "installed from deploy/ itself");
        deployer.update(file.toFile());
        assertEquals(List.of("install linear"), kars.calls, "the same bytes: nothing to do");
        Files.write(file, kar(plugin("linear", "1.0.0")), StandardOpenOption.APPEND);
        deployer.update(file.toFile());
        assertEquals(List.of("install linear", "uninstall linear", "install linear"), kars.calls);
        deployer.uninstall(file.toFile());
        assertEquals("uninstall linear", kars.calls.get(kars.calls.size() - 1));
    }

    @Test
    void withSignaturesRequiredEveryBundleIsCheckedBeforeAnythingIsInstalled() throws Exception {
        Path jar = plugin("linear", "1.0.0");
        List<Integer> checked = new ArrayList<>();
        PluginFileDeployer refusing =
                deployer(
                        bytes -> {
                            checked.add(bytes.length);
                            return Optional.of("not signed (trusted signatures are required)");
                        });
        Path file = deploy.resolve("linear.kar");
        Files.write(file, kar(jar));
        refusing.install(file.toFile());
        assertTrue(kars.calls.isEmpty());
        assertEquals(List.of((int) Files.size(jar)), checked, "the jar inside the KAR");
        assertEquals(
                "refused: bundle mvn:com.example/linear/1.0.0: not signed (trusted signatures are"
                        + " required)",
                problems.list().get(0).reason());

        File xml = drop("linear.xml", features(jar.toUri().toString())).toFile();
        refusing.install(xml);
        assertTrue(kars.calls.isEmpty());
        assertTrue(
                problems.list().stream()
                        .anyMatch(p -> p.reason().startsWith("refused: bundle " + jar.toUri())));

        deployer(bytes -> Optional.empty()).install(xml);
        assertEquals(List.of("install linear.xml"), kars.calls);
    }

    @Test
    void aMalformedFileIsListedFailedWithTheParsersReasonAndInstallsNothing() throws IOException {
        File file =
                drop("broken.xml", "<features xmlns=\"" + NS + "\"><feature name=\"p\">").toFile();
        deployer.install(file);
        assertTrue(kars.calls.isEmpty());
        List<PluginInfo> listed = problems.list();
        assertEquals(1, listed.size());
        assertEquals("broken", listed.get(0).descriptor().name());
        assertEquals(PluginState.FAILED, listed.get(0).state());
        assertEquals(DeployProblems.NO_BUNDLE, listed.get(0).bundleId());
        assertTrue(listed.get(0).reason().contains("not a features XML"), listed.get(0).reason());

        deployer.uninstall(file);
        assertTrue(problems.list().isEmpty(), "deleting the file clears it");
    }

    @Test
    void aMissingBundleIsNamedAndABadUpdateLeavesTheInstalledVersion() throws Exception {
        Path v1 = plugin("linear", "1.0.0");
        File file = drop("linear.xml", features(v1.toUri().toString())).toFile();
        deployer.install(file);
        Path missing = dir.resolve("gone.jar");
        drop("linear.xml", features(missing.toUri().toString()));
        deployer.update(file);
        assertEquals(List.of("install linear.xml"), kars.calls, "the old version stays");
        PluginInfo failed = problems.list().get(0);
        assertTrue(failed.reason().contains("cannot read " + missing.toUri()), failed.reason());

        // fixed: the failure goes, the update happens
        drop("linear.xml", features(plugin("linear", "1.2.0").toUri().toString()));
        deployer.update(file);
        assertTrue(problems.list().isEmpty());
        assertEquals("install linear.xml", kars.calls.get(kars.calls.size() - 1));
    }

    @Test
    void aPluginInstalledFromAnotherFileIsNotInstalledTwice() throws Exception {
        Path jar = plugin("linear", "1.0.0");
        installed.add(
                new PluginInfo(
                        7,
                        "file:/deploy/linear.kar",
                        new ai.hanzo.node.api.plugin.PluginDescriptor(
                                "linear",
                                "1.0.0",
                                ai.hanzo.node.api.plugin.PluginKind.ENGINE,
                                "",
                                "",
                                "example.linear"),
                        PluginState.ACTIVE,
                        "",
                        0,
                        List.of(),
                        java.time.Instant.now()));
        deployer.install(drop("again.xml", features(jar.toUri().toString())).toFile());
        assertTrue(kars.calls.isEmpty());
        assertTrue(problems.list().get(0).reason().contains("installed already"));
    }

    /** Records what the deployer asks of Karaf's KAR service. */
    private static final class RecordingKars implements KarService {
        final List<String> calls = new ArrayList<>();
        final List<String> names = new ArrayList<>();
        final List<URI> uris = new ArrayList<>();

        @Override
        public void install(URI karUri) {
            uris.add(karUri);
            String name = Path.of(karUri).getFileName().toString();
            name = name.substring(0, name.lastIndexOf('.'));
            calls.add("install " + name);
            names.add(name);
        }

        @Override
        public void install(URI karUri, boolean noAutoStartBundles) {
            install(karUri);
        }

        @Override
        public void install(URI karUri, boolean noAutoStartBundles, boolean noAutoRefresh) {
            install(karUri);
        }

        @Override
        public void install(URI karUri, File repoDir, File resourcesDir) {
            install(karUri);
        }

        @Override
        public void install(
                URI karUri, File repoDir, File resourcesDir, boolean noAutoStartBundles) {
            install(karUri);
        }

        @Override
        public void install(
                URI karUri,
                File repoDir,
                File resourcesDir,
                boolean noAutoStartBundles,
                boolean noAutoRefresh) {
            install(karUri);
        }

        @Override
        public void uninstall(String karName) {
            calls.add("uninstall " + karName);
            names.remove(karName);
        }

        @Override
        public void uninstall(String karName, boolean noAutoRefresh) {
            uninstall(karName);
        }

        @Override
        public List<String> list() {
            return List.copyOf(names);
        }

        @Override
        public void create(String repoName, List<String> features, PrintStream console) {
            throw new UnsupportedOperationException();
        }
    }

    /** The plugins "installed" by the test. */
    private final class ListedPlugins implements PluginRegistry {
        @Override
        public List<PluginInfo> list() {
            return List.copyOf(installed);
        }

        @Override
        public Optional<PluginInfo> get(String name) {
            return installed.stream().filter(p -> p.descriptor().name().equals(name)).findFirst();
        }

        @Override
        public <T> CompletableFuture<T> call(
                Object service, String operation, Callable<T> call, Duration timeout) {
            throw new UnsupportedOperationException();
        }
    }
}
