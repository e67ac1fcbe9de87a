package ai.hanzo.node.pytorch.runtime;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Platform;
import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.inference.Device;
import ai.hanzo.node.api.inference.InferenceEngine;
import ai.hanzo.node.api.inference.LoadedModel;
import ai.hanzo.node.api.inference.ModelFormat;
import ai.hanzo.node.api.inference.ModelSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PyTorch engine itself: PyTorch 2.7.1 through DJL 0.36.0, serving TorchScript models. On macOS
 * on Apple silicon it runs models on the GPU through Metal ({@code mps}); elsewhere on the CPU.
 *
 * <p>This class and everything it uses live in the plug-in's runtime class loader, which outlives
 * the bundle (see {@code ai.hanzo.node.pytorch.internal.TorchRuntimeHost}): PyTorch starts once per
 * runtime, and each start of the bundle makes a new instance that closes its own models when the
 * bundle stops. DJL finds its engines with {@code ServiceLoader} on the thread context class
 * loader, so every DJL call that may look one up runs with the runtime loader set; native libraries
 * go under the node's {@code <data-dir>/cache} ({@link TorchNatives}); the network is never used
 * ({@code ai.djl.offline}).
 */
public final class TorchRuntimeEngine implements InferenceEngine, AutoCloseable {
    static final String DJL_ENGINE = "PyTorch";
    private static final String NAME = "pytorch";

    // one PyTorch per runtime loader, shared by the bundle's starts
    private static Availability availability; // guarded by TorchRuntimeEngine.class
    private static String description = ""; // guarded by TorchRuntimeEngine.class

    private final Logger logger = LoggerFactory.getLogger(TorchRuntimeEngine.class);
    private final Path cacheRoot;
    private final Set<TorchScriptModel> open = ConcurrentHashMap.newKeySet();

    /**
     * @param cacheRoot {@code <data-dir>/cache}
     */
    public TorchRuntimeEngine(Path cacheRoot) {
        this.cacheRoot = cacheRoot;
    }

    /**
     * PyTorch starts on first use (a self-test or a load), not while the framework starts the
     * bundle: extracting and loading 450 MB of native libraries takes seconds.
     */
    private Availability started() {
        synchronized (TorchRuntimeEngine.class) {
            if (availability == null) {
                availability = start(cacheRoot);
                if (availability.available()) {
                    logger.info(description);
                }
            }
            return availability;
        }
    }

    private Availability start(Path cacheRoot) {
        try {
            Path djlCache = cacheRoot.resolve("djl");
            System.setProperty("DJL_CACHE_DIR", djlCache.toString());
            System.setProperty("ai.djl.offline", "true");
            System.setProperty("OPT_OUT_TRACKING", "true");
            // this plug-in carries the CPU build (Metal is part of the macOS CPU build)
            System.setProperty("PYTORCH_FLAVOR", "cpu");
            Platform platform = withRuntimeLoader(() -> Platform.detectPlatform("pytorch"));
            if (platform.isPlaceholder()) {
                return Availability.unavailable(
                        "this bundle carries no PyTorch native libraries for "
                                + platform.getClassifier());
            }
            TorchNatives natives = new TorchNatives(cacheRoot);
            String generation = "r" + System.nanoTime();
            natives.removeStaleGenerations(generation);
            TorchNatives.Generation dirs =
                    natives.prepare(
                            platform.getVersion(),
                            "cpu",
                            platform.getClassifier(),
                            platform.getApiVersion(),
                            generation);
            Engine engine = withEngineCacheDir(dirs.engineCacheDir());
            description =
                    "PyTorch engine ready (DJL "
                            + Engine.getDjlVersion()
                            + ", PyTorch "
                            + engine.getVersion()
                            + ") on "
                            + devices().get(0).kind()
                            + ", natives under "
                            + dirs.libDir();
            return Availability.ok();
        } catch (Exception | LinkageError e) {
            logger.warn("PyTorch does not start on this machine: {}", e.toString());
            return Availability.unavailable("PyTorch does not start: " + e);
        }
    }

    /**
     * DJL reads its engine cache directory from a JVM-wide property while it loads the natives:
     * point it at this runtime's directory for that moment only (other DJL copies in the node read
     * the same property).
     */
    private static Engine withEngineCacheDir(Path dir) throws Exception {
        synchronized (System.class) {
            String previous = System.getProperty("ENGINE_CACHE_DIR");
            System.setProperty("ENGINE_CACHE_DIR", dir.toString());
            try {
                return withRuntimeLoader(() -> Engine.getEngine(DJL_ENGINE));
            } finally {
                if (previous == null) {
                    System.clearProperty("ENGINE_CACHE_DIR");
                } else {
                    System.setProperty("ENGINE_CACHE_DIR", previous);
                }
            }
        }
    }

    static <T> T withRuntimeLoader(Callable<T> task) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(TorchRuntimeEngine.class.getClassLoader());
        try {
            return task.call();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    static boolean appleSilicon() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return os.contains("mac") && (arch.equals("aarch64") || arch.equals("arm64"));
    }

    @Override
    public String name() {
        return NAME;
    }

    /** On Apple silicon the Metal device comes first, so the node loads models there. */
    @Override
    public List<Device> devices() {
        if (appleSilicon()) {
            return List.of(new Device("mps", 0, "Apple GPU (Metal)", 0), Device.cpu());
        }
        return List.of(Device.cpu());
    }

    @Override
    public Set<ModelFormat> formats() {
        return Set.of(ModelFormat.TORCHSCRIPT);
    }

    @Override
    public Availability selfTest() {
        return started();
    }

    @Override
    public LoadedModel load(ModelSource source, Device device) {
        Availability started = started();
        if (!started.available()) {
            throw new IllegalStateException(started.reason());
        }
        ai.djl.Device djlDevice =
                switch (device.kind()) {
                    case "cpu" -> ai.djl.Device.cpu();
                    case "mps" -> ai.djl.Device.of("mps", -1);
                    default ->
                            throw new InvalidArgumentException(
                                    "the pytorch engine runs on cpu or mps, not on "
                                            + device.kind());
                };
        int threads = Integer.parseInt(source.option(ModelSource.INTRA_OP_THREADS, "0"));
        try {
            TorchScriptModel model =
                    withRuntimeLoader(
                            () -> {
                                if (threads > 0) {
                                    // process-wide in libtorch: the last model's setting holds
                                    JniUtils.setNumThreads(threads);
                                }
                                return TorchScriptModel.load(
                                        source, device, djlDevice, open::remove);
                            });
            open.add(model);
            logger.info("Loaded {} on {} ({} open)", source.modelId(), device.kind(), open.size());
            return model;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("loading " + source.modelId() + " failed: " + e, e);
        }
    }

    /**
     * Closes every model this instance still has open, whatever the node did: their native memory
     * goes now. PyTorch itself stays loaded in the runtime for the next start of the bundle.
     */
    @Override
    public void close() {
        int closed = 0;
        for (TorchScriptModel model : List.copyOf(open)) {
            model.close();
            closed++;
        }
        logger.info("PyTorch engine stopped; closed {} model(s) left open", closed);
    }
}
