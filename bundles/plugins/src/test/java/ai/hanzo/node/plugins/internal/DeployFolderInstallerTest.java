package ai.hanzo.node.plugins.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.InvalidArgumentException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the installer accepts before it writes anything to deploy/, and what it refuses, why. */
class DeployFolderInstallerTest {
    @TempDir Path dir;

    private static byte[] jar(Map<String, String> headers) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        headers.forEach((k, v) -> manifest.getMainAttributes().putValue(k, v));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bytes, manifest)) {
            out.putNextEntry(new JarEntry("a/B.class"));
            out.write(new byte[] {1, 2, 3});
            out.closeEntry();
        }
        return bytes.toByteArray();
    }

    @Test
    void aPluginJarGivesItsNameAndVersion() throws IOException {
        DeployFolderInstaller.JarPlugin plugin =
                DeployFolderInstaller.inspect(
                        jar(
                                Map.of(
                                        "Bundle-SymbolicName", "com.example.runtime",
                                        "Bundle-Version", "1.2.3",
                                        "Hanzo-Plugin-Name", "firecracker")));
        assertEquals(new DeployFolderInstaller.JarPlugin("firecracker", "1.2.3"), plugin);
    }

    @Test
    void whatIsNoPluginIsRefusedWithTheReason() throws IOException {
        assertRefused("no manifest", "plain text".getBytes(StandardCharsets.UTF_8));
        assertRefused("no OSGi bundle", jar(Map.of("Hanzo-Plugin-Name", "x")));
        assertRefused(
                "no Hanzo-Plugin-Name header",
                jar(Map.of("Bundle-SymbolicName", "com.example.lib")));
        assertRefused(
                "bad plugin name",
                jar(Map.of("Bundle-SymbolicName", "com.example", "Hanzo-Plugin-Name", "../x")));
    }

    @Test
    void locationsAreMavenCoordinatesOrFilesOnly() throws IOException {
        for (String bad :
                new String[] {"http://example.com/p.jar", "mvn:only/two", "/abs/path.jar", ""}) {
            InvalidArgumentException e =
                    assertThrows(
                            InvalidArgumentException.class, () -> DeployFolderInstaller.read(bad));
            assertTrue(e.getMessage().contains("mvn:group/artifact/version"), e.getMessage());
        }
        Path file = Files.write(dir.resolve("p.jar"), new byte[] {7});
        assertEquals(1, DeployFolderInstaller.read(file.toUri().toString()).length);
        InvalidArgumentException missing =
                assertThrows(
                        InvalidArgumentException.class,
                        () ->
                                DeployFolderInstaller.read(
                                        dir.resolve("none.jar").toUri().toString()));
        assertTrue(missing.getMessage().startsWith("cannot read"), missing.getMessage());
    }

    private static void assertRefused(String reason, byte[] jar) {
        InvalidArgumentException e =
                assertThrows(
                        InvalidArgumentException.class, () -> DeployFolderInstaller.inspect(jar));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
