package ai.hanzo.node.itests;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Builds the test plugins as real bundle jars from the compiled test classes (the tinybundles
 * approach: a manifest and the classes, nothing else), importing only the node's api and the OSGi
 * framework, as a third-party plugin does.
 */
final class PluginJars {
    private static final String ROOT = "ai/hanzo/node/itests/plugin/";

    private PluginJars() {}

    /**
     * @param directory where to write the jar
     * @param variant the plugin's package under {@code ai.hanzo.node.itests.plugin}, e.g. "good"
     * @param name its Hanzo-Plugin-Name
     * @param version its Bundle-Version
     * @return the jar
     */
    static Path build(Path directory, String variant, String name, String version)
            throws IOException {
        Path classes =
                Path.of(
                        PluginJars.class
                                .getProtectionDomain()
                                .getCodeSource()
                                .getLocation()
                                .getPath());
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        for (Map.Entry<String, String> header :
                Map.of(
                                "Bundle-ManifestVersion",
                                "2",
                                "Bundle-SymbolicName",
                                "ai.hanzo.node.itests.plugin." + name,
                                "Bundle-Version",
                                version,
                                "Bundle-Activator",
                                "ai.hanzo.node.itests.plugin." + variant + ".Activator",
                                "Import-Package",
                                "ai.hanzo.node.api;version=\"[1.0,2)\","
                                        + "ai.hanzo.node.api.event;version=\"[1.0,2)\","
                                        + "ai.hanzo.node.api.inference;version=\"[2.0,3)\","
                                        + "ai.hanzo.node.api.store;version=\"[1.0,2)\","
                                        + "ai.hanzo.node.api.p2p;version=\"[1.0,2)\","
                                        + "org.osgi.framework;version=\"[1.8,2)\"",
                                "Hanzo-Plugin-Name",
                                name,
                                "Hanzo-Plugin-Kind",
                                "engine",
                                "Hanzo-Plugin-Description",
                                "test plugin (" + variant + ")",
                                "Hanzo-Plugin-Author",
                                "hanzo-node itests")
                        .entrySet()) {
            main.putValue(header.getKey(), header.getValue());
        }
        Files.createDirectories(directory);
        Path jar = directory.resolve(name + "-" + version + ".jar");
        try (OutputStream file = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (String path :
                    List.of(ROOT + "TestEngine.class", ROOT + variant + "/Activator.class")) {
                add(out, classes, path);
            }
            // lambdas and inner classes of the activator
            try (Stream<Path> files = Files.list(classes.resolve(ROOT + variant))) {
                for (Path extra : files.toList()) {
                    String path = ROOT + variant + "/" + extra.getFileName();
                    if (!path.endsWith("/Activator.class")) {
                        add(out, classes, path);
                    }
                }
            }
        }
        return jar;
    }

    private static void add(JarOutputStream out, Path classes, String path) throws IOException {
        out.putNextEntry(new JarEntry(path));
        out.write(Files.readAllBytes(classes.resolve(path)));
        out.closeEntry();
    }
}
