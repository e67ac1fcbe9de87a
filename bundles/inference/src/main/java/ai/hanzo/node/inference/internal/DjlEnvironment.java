package ai.hanzo.node.inference.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * DJL inside OSGi: native files go under the node's {@code <data-dir>/cache}, never {@code
 * ~/.djl.ai} or a temporary directory, and DJL's ServiceLoader look-ups see this bundle's class
 * loader (DJL finds engines on the thread context class loader, which in OSGi is not ours).
 */
final class DjlEnvironment {
    /** The ONNX Runtime version embedded (com.microsoft.onnxruntime, pulled by DJL 0.38.0). */
    static final String ORT_VERSION = "1.21.1";

    private DjlEnvironment() {}

    /**
     * Points DJL's and ONNX Runtime's native extraction at {@code cacheRoot} and switches DJL to
     * offline mode. Safe to call again with the same directory.
     *
     * @param cacheRoot {@code <data-dir>/cache}
     */
    static synchronized void configure(Path cacheRoot) {
        Path djl = cacheRoot.resolve("djl");
        try {
            Files.createDirectories(djl);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the DJL cache " + djl, e);
        }
        // DJL reads these as system properties (before the environment); they are JVM-wide, so
        // every DJL copy in the node (each engine bundle embeds its own) shares the node's cache
        System.setProperty("DJL_CACHE_DIR", djl.toString());
        System.setProperty("ENGINE_CACHE_DIR", djl.toString());
        System.setProperty("ai.djl.offline", "true");
        // no DJL usage reporting, no model-zoo look-ups on the network
        System.setProperty("OPT_OUT_TRACKING", "true");
        Path ortNatives = cacheRoot.resolve("onnxruntime").resolve(ORT_VERSION).resolve(platform());
        extractOrtNatives(ortNatives);
        System.setProperty("onnxruntime.native.path", ortNatives.toString());
    }

    /**
     * ONNX Runtime extracts its libraries to a fresh temporary directory unless {@code
     * onnxruntime.native.path} names one holding them: extract them once, under the data dir.
     */
    private static void extractOrtNatives(Path target) {
        String platform = platform();
        String[] names =
                platform.startsWith("osx")
                        ? new String[] {"libonnxruntime.dylib", "libonnxruntime4j_jni.dylib"}
                        : new String[] {"libonnxruntime.so", "libonnxruntime4j_jni.so"};
        try {
            Files.createDirectories(target);
            for (String name : names) {
                Path file = target.resolve(name);
                if (Files.isRegularFile(file) && Files.size(file) > 0) {
                    continue;
                }
                String resource = "/ai/onnxruntime/native/" + platform + "/" + name;
                try (InputStream in =
                        ai.onnxruntime.OrtEnvironment.class.getResourceAsStream(resource)) {
                    if (in == null) {
                        // not shipped for this platform: the engine's self-test says so
                        return;
                    }
                    Path partial = Files.createTempFile(target, name, ".part");
                    Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract ONNX Runtime into " + target, e);
        }
    }

    /**
     * @return ONNX Runtime's name for this platform, e.g. {@code linux-x64}
     */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String cpu = arch.equals("amd64") || arch.equals("x86_64") ? "x64" : "aarch64";
        if (os.contains("mac")) {
            return "osx-" + cpu;
        }
        if (os.contains("win")) {
            return "win-" + cpu;
        }
        return "linux-" + cpu;
    }

    /**
     * Runs {@code task} with this bundle's class loader as the thread context class loader, so
     * DJL's ServiceLoader finds the engines embedded here.
     */
    static <T> T withBundleLoader(Callable<T> task) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(DjlEnvironment.class.getClassLoader());
        try {
            return task.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
