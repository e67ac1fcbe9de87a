package ai.hanzo.node.plugins.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.plugins.internal.DeployFolderInstaller.JarPlugin;
import ai.hanzo.node.plugins.internal.PluginArchives.Archive;
import ai.hanzo.node.plugins.internal.PluginArchives.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

/** Which plugin a jar, a KAR or a features XML carries, and what is refused before any write. */
class PluginArchivesTest {
    private static final String FEATURE_NS = "http://karaf.apache.org/xmlns/features/v1.6.0";

    private static byte[] bundle(String symbolicName, String pluginName) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-SymbolicName", symbolicName);
        main.putValue("Bundle-Version", "2.0.0");
        if (pluginName != null) {
            main.putValue("Hanzo-Plugin-Name", pluginName);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bytes, manifest)) {
            out.putNextEntry(new JarEntry("a/B.class"));
            out.write(new byte[] {1});
            out.closeEntry();
        }
        return bytes.toByteArray();
    }

    private static byte[] kar(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            out.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            out.write("Manifest-Version: 1.0\n".getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static byte[] features(String install, String... bundles) {
        StringBuilder xml =
                new StringBuilder(
                        "<?xml version=\"1.0\"?>\n<features name=\"x\" xmlns=\""
                                + FEATURE_NS
                                + "\">\n  <feature name=\"p\" version=\"1\""
                                + install
                                + ">\n");
        for (String b : bundles) {
            xml.append("    <bundle>").append(b).append("</bundle>\n");
        }
        return xml.append("  </feature>\n</features>\n")
                .toString()
                .getBytes(StandardCharsets.UTF_8);
    }

    private static final Function<String, byte[]> NOTHING =
            location -> {
                throw new AssertionError("nothing to resolve: " + location);
            };

    @Test
    void aKarNamesItsOnePluginBundleBesideItsLibraries() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("repository/com/ex/p/1/p-1-features.xml", features(" install=\"auto\""));
        entries.put("repository/com/ex/lib/1/lib-1.jar", bundle("com.ex.lib", null));
        entries.put("repository/com/ex/eng/1/eng-1.jar", bundle("com.ex.eng", "linear"));
        Archive archive = PluginArchives.inspect(kar(entries), NOTHING);
        assertEquals(new Archive(Kind.KAR, new JarPlugin("linear", "2.0.0")), archive);
        assertEquals("linear.kar", archive.defaultFileName());
    }

    @Test
    void aKarWithTwoPluginsOrNoneOrNoFeaturesIsRefused() throws IOException {
        Map<String, byte[]> two = new LinkedHashMap<>();
        two.put("repository/f/1/f-1-features.xml", features(""));
        two.put("repository/a/1/a-1.jar", bundle("a", "one"));
        two.put("repository/b/1/b-1.jar", bundle("b", "two"));
        assertRefused("2 plugin bundles ([one, two])", kar(two));
        Map<String, byte[]> none = new LinkedHashMap<>();
        none.put("repository/f/1/f-1-features.xml", features(""));
        none.put("repository/a/1/a-1.jar", bundle("a", null));
        assertRefused("no bundle in the KAR has a Hanzo-Plugin-Name header", kar(none));
        Map<String, byte[]> noFeatures = new LinkedHashMap<>();
        noFeatures.put("repository/a/1/a-1.jar", bundle("a", "one"));
        assertRefused("no features XML", kar(noFeatures));
    }

    @Test
    void aFeaturesXmlIsReadThroughItsBundleLocations() throws IOException {
        Map<String, byte[]> repository =
                Map.of(
                        "mvn:com.ex/lib/1", bundle("com.ex.lib", null),
                        "mvn:com.ex/eng/1", bundle("com.ex.eng", "linear"));
        byte[] xml =
                features(
                        " install=\"auto\"",
                        "mvn:com.ex/lib/1",
                        "mvn:com.ex/eng/1",
                        "wrap:mvn:com.ex/plain/1");
        Archive archive = PluginArchives.inspect(xml, repository::get);
        assertEquals(new Archive(Kind.FEATURES, new JarPlugin("linear", "2.0.0")), archive);
        assertEquals("linear.kar", archive.defaultFileName());
        // written into deploy/ as a KAR of its own, which reads as the same plugin
        assertEquals(
                new Archive(Kind.KAR, archive.plugin()),
                PluginArchives.inspect(
                        PluginArchives.karOf(xml, archive.plugin()), repository::get));
        // a feature that Karaf would only list, never install
        assertRefused(
                "has install=\"manual\"",
                features(" install=\"manual\"", "mvn:com.ex/eng/1"),
                repository::get);
        // a feature without the attribute installs with its KAR
        assertEquals(
                archive.plugin(),
                PluginArchives.inspect(features("", "mvn:com.ex/eng/1"), repository::get).plugin());
    }

    @Test
    void otherXmlAndDoctypesAreRefused() {
        assertRefused(
                "not a Karaf <features> repository",
                "<blueprint/>".getBytes(StandardCharsets.UTF_8));
        assertRefused(
                "not a features XML",
                ("<?xml version=\"1.0\"?><!DOCTYPE features [<!ENTITY x SYSTEM"
                                + " \"file:///etc/passwd\">]><features>&x;</features>")
                        .getBytes(StandardCharsets.UTF_8));
        assertRefused("not a features XML", "<features".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aJarIsStillAPluginJar() throws IOException {
        assertEquals(
                new Archive(Kind.JAR, new JarPlugin("solo", "2.0.0")),
                PluginArchives.inspect(bundle("com.ex.solo", "solo"), NOTHING));
    }

    private static void assertRefused(String reason, byte[] bytes) {
        assertRefused(reason, bytes, NOTHING);
    }

    private static void assertRefused(
            String reason, byte[] bytes, Function<String, byte[]> resolve) {
        InvalidArgumentException e =
                assertThrows(
                        InvalidArgumentException.class,
                        () -> PluginArchives.inspect(bytes, resolve));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
