package ai.hanzo.node.pytorch.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * PyTorch's native libraries under the node's {@code <data-dir>/cache/pytorch}, never {@code
 * ~/.djl.ai}.
 *
 * <p>They are extracted once, into {@code natives/}. Each runtime class loader (one per build of
 * the plug-in in a running node) then gets its own directory of hard links to them ({@code
 * generations/<id>/}) and points DJL at it: the JVM loads a library file into one class loader
 * only, and a new build installed over an old one has a new runtime loader while the old one still
 * holds the old files. A hard link is a new file name for the same bytes, so nothing is copied and
 * the dynamic linker maps the libraries once.
 */
final class TorchNatives {
    /** Where DJL's PyTorch native jar keeps its libraries and their list. */
    private static final String NATIVE_PROPERTIES = "native/lib/pytorch.properties";

    private final Path root;

    /**
     * @param cacheRoot {@code <data-dir>/cache}
     */
    TorchNatives(Path cacheRoot) {
        this.root = cacheRoot.resolve("pytorch");
    }

    /** What one start of the engine points DJL at. */
    record Generation(Path engineCacheDir, Path libDir) {}

    /**
     * Extracts the libraries if needed and lays out a fresh generation directory.
     *
     * @param version DJL's PyTorch version, such as {@code 2.7.1}
     * @param flavor {@code cpu}
     * @param classifier {@code linux-x86_64}
     * @param apiVersion the DJL version ({@code 0.36.0}): the JNI file is named after it
     * @param generation a name unique to this start
     * @return the directory to set as DJL's {@code ENGINE_CACHE_DIR}
     */
    Generation prepare(
            String version, String flavor, String classifier, String apiVersion, String generation)
            throws IOException {
        String platformDir = version + '-' + flavor + '-' + classifier;
        Path shared = root.resolve("natives").resolve(platformDir);
        String jniName = apiVersion + "-" + System.mapLibraryName("djl_torch");
        List<String> libraries = libraries();
        extract(shared, libraries, classifier, flavor, jniName);
        Path engineCache = root.resolve("generations").resolve(generation);
        Path libDir = engineCache.resolve("pytorch").resolve(platformDir);
        Files.createDirectories(libDir);
        List<String> all = new ArrayList<>(libraries);
        all.add(jniName);
        for (String name : all) {
            Path link = libDir.resolve(name);
            Files.deleteIfExists(link);
            try {
                Files.createLink(link, shared.resolve(name));
            } catch (UnsupportedOperationException | FileSystemException e) {
                // a file system without hard links: a copy works the same, it only costs space
                Files.copy(shared.resolve(name), link);
            }
        }
        return new Generation(engineCache, libDir);
    }

    /** Removes the link directories of earlier runs (their files may stay mapped: harmless). */
    void removeStaleGenerations(String keepPrefix) {
        Path generations = root.resolve("generations");
        if (!Files.isDirectory(generations)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(generations)) {
            dirs.filter(d -> !d.getFileName().toString().startsWith(keepPrefix))
                    .forEach(TorchNatives::deleteTree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> libraries() throws IOException {
        try (InputStream in = resource(NATIVE_PROPERTIES)) {
            if (in == null) {
                throw new IllegalStateException(
                        "this bundle carries no PyTorch native libraries ("
                                + NATIVE_PROPERTIES
                                + " is missing)");
            }
            Properties properties = new Properties();
            properties.load(in);
            String list = properties.getProperty("libraries", "");
            return List.of(list.split(","));
        }
    }

    private static void extract(
            Path shared, List<String> libraries, String classifier, String flavor, String jniName)
            throws IOException {
        Files.createDirectories(shared);
        for (String name : libraries) {
            copyOnce("pytorch/" + flavor + "/" + classifier + "/" + name, shared.resolve(name));
        }
        copyOnce(
                "jnilib/" + classifier + "/" + flavor + "/" + System.mapLibraryName("djl_torch"),
                shared.resolve(jniName));
    }

    private static void copyOnce(String resource, Path target) throws IOException {
        if (Files.isRegularFile(target) && Files.size(target) > 0) {
            return;
        }
        try (InputStream in = resource(resource)) {
            if (in == null) {
                throw new IllegalStateException(
                        "this bundle carries no " + resource + " for this platform");
            }
            // written aside and moved in: a crash never leaves a half library behind
            Path partial =
                    Files.createTempFile(target.getParent(), target.getFileName() + "", ".part");
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static InputStream resource(String name) {
        return TorchNatives.class.getClassLoader().getResourceAsStream(name);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }
}
