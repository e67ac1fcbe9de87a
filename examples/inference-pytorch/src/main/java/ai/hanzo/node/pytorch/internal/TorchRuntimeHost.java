package ai.hanzo.node.pytorch.internal;

import ai.hanzo.node.api.inference.InferenceEngine;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.loading.MLet;
import org.osgi.framework.Bundle;

/**
 * Keeps DJL and PyTorch in a class loader that outlives this bundle, so that uninstalling the
 * bundle lets its own class loader be collected.
 *
 * <p>Why: DJL's JNI library keeps JNI global references to classes of the class loader that loaded
 * it and drops them only when the JVM unloads the library, which it does only after that loader is
 * collected. A loader that loads DJL's PyTorch classes can therefore never be collected. So the
 * bundle does not load them itself: on first use it copies its embedded jars and its {@code
 * ai.hanzo.node.pytorch.runtime} classes to {@code <data-dir>/cache/pytorch/runtime/<build>/} and
 * loads them in a runtime class loader (a JDK {@link MLet}, registered in the platform MBean server
 * under this build's name), whose parent sees only the JDK, the node's api and slf4j. A reinstall
 * of the same build finds that loader there and reuses it, PyTorch already loaded; the bundle's own
 * classes only call it through the api's {@link InferenceEngine} and {@link AutoCloseable}.
 */
final class TorchRuntimeHost {
    private static final String RUNTIME_PACKAGE = "ai/hanzo/node/pytorch/runtime";
    private static final String ENGINE_CLASS = "ai.hanzo.node.pytorch.runtime.TorchRuntimeEngine";
    private static final String PARENT_CLASS = "ai.hanzo.node.pytorch.runtime.boot.RuntimeParent";

    private TorchRuntimeHost() {}

    /**
     * @return a new engine instance in the runtime of this bundle's build, made on first use
     */
    static InferenceEngine engine(Bundle bundle, Path cacheRoot) throws Exception {
        ClassLoader runtime = runtimeLoader(bundle, cacheRoot);
        Class<?> engine = Class.forName(ENGINE_CLASS, true, runtime);
        return (InferenceEngine) engine.getConstructor(Path.class).newInstance(cacheRoot);
    }

    private static ClassLoader runtimeLoader(Bundle bundle, Path cacheRoot) throws Exception {
        String build = build(bundle);
        // a runtime per build and per api class loader: after an api refresh the old runtime's
        // classes would implement the old api's interfaces
        String apiLoader =
                Integer.toHexString(
                        System.identityHashCode(InferenceEngine.class.getClassLoader()));
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name =
                new ObjectName(
                        "ai.hanzo.node.pytorch:type=Runtime,build=" + build + ",api=" + apiLoader);
        synchronized (server) {
            if (server.isRegistered(name)) {
                return server.getClassLoader(name);
            }
            Path runtimes = cacheRoot.resolve("pytorch").resolve("runtime");
            removeUnusedBuilds(server, runtimes, build);
            Path dir = runtimes.resolve(build);
            List<URL> urls = new ArrayList<>();
            urls.add(copyClasses(bundle, RUNTIME_PACKAGE, dir.resolve("classes")).toUri().toURL());
            for (Path jar : copyJars(bundle, dir.resolve("lib"))) {
                urls.add(jar.toUri().toURL());
            }
            // the parent's class comes from a loader of its own: nothing in the runtime may have
            // a class of this bundle, or this bundle's loader could never be collected
            URL bootDir = dir.resolve("classes").toUri().toURL();
            ClassLoader boot =
                    new java.net.URLClassLoader(
                            "hanzo-pytorch-runtime-boot",
                            new URL[] {bootDir},
                            ClassLoader.getPlatformClassLoader());
            ClassLoader parent =
                    (ClassLoader)
                            Class.forName(PARENT_CLASS, true, boot)
                                    .getConstructor(ClassLoader.class, ClassLoader.class)
                                    .newInstance(
                                            InferenceEngine.class.getClassLoader(),
                                            org.slf4j.LoggerFactory.class.getClassLoader());
            MLet loader = new MLet(urls.toArray(URL[]::new), parent, false);
            server.registerMBean(loader, name);
            return loader;
        }
    }

    /** Copies of other builds that no runtime in this JVM uses (earlier versions, other runs). */
    private static void removeUnusedBuilds(MBeanServer server, Path runtimes, String keep)
            throws Exception {
        if (!Files.isDirectory(runtimes)) {
            return;
        }
        java.util.Set<String> used = new java.util.HashSet<>();
        used.add(keep);
        for (ObjectName running :
                server.queryNames(new ObjectName("ai.hanzo.node.pytorch:type=Runtime,*"), null)) {
            used.add(running.getKeyProperty("build"));
        }
        try (java.util.stream.Stream<Path> builds = Files.list(runtimes)) {
            for (Path old :
                    builds.filter(p -> !used.contains(p.getFileName().toString())).toList()) {
                try (java.util.stream.Stream<Path> files = Files.walk(old)) {
                    for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(f);
                    }
                }
            }
        }
    }

    /** The build of this bundle: its version and bnd's build time, the same across reinstalls. */
    private static String build(Bundle bundle) {
        String stamp = bundle.getHeaders("").get("Bnd-LastModified");
        String text = bundle.getVersion() + "-" + (stamp == null ? "0" : stamp);
        return HexFormat.of().formatHex(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static Path copyClasses(Bundle bundle, String pkg, Path target) throws IOException {
        for (URL entry : Collections.list(bundle.findEntries(pkg, "*.class", true))) {
            String path =
                    entry.getPath().startsWith("/")
                            ? entry.getPath().substring(1)
                            : entry.getPath();
            copy(entry, target.resolve(path));
        }
        return target;
    }

    private static List<Path> copyJars(Bundle bundle, Path target) throws IOException {
        List<Path> jars = new ArrayList<>();
        for (URL entry : Collections.list(bundle.findEntries("lib", "*.jar", false))) {
            String file = entry.getPath().substring(entry.getPath().lastIndexOf('/') + 1);
            Path jar = target.resolve(file);
            copy(entry, jar);
            jars.add(jar);
        }
        return jars;
    }

    /** Written aside and moved in; an existing complete copy is kept. */
    private static void copy(URL entry, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        if (Files.isRegularFile(target) && Files.size(target) > 0) {
            return;
        }
        try (InputStream in = entry.openStream()) {
            Path partial = Files.createTempFile(target.getParent(), "copy", ".part");
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
