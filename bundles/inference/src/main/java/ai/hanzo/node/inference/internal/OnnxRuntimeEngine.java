package ai.hanzo.node.inference.internal;

import ai.djl.engine.Engine;
import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.inference.Device;
import ai.hanzo.node.api.inference.InferenceEngine;
import ai.hanzo.node.api.inference.LoadedModel;
import ai.hanzo.node.api.inference.ModelFormat;
import ai.hanzo.node.api.inference.ModelSource;
import ai.hanzo.node.api.node.NodeLifecycle;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in engine: ONNX Runtime through DJL 0.38.0 (both embedded in this bundle), on the CPU.
 * One implementation of the {@link InferenceEngine} SPI, bound by the inference service like any
 * plug-in engine.
 */
@Component(property = InferenceEngine.NAME_PROPERTY + "=" + OnnxRuntimeEngine.NAME)
public final class OnnxRuntimeEngine implements InferenceEngine {
    static final String NAME = "onnxruntime";
    static final String DJL_ENGINE = "OnnxRuntime";

    private final Logger logger = LoggerFactory.getLogger(OnnxRuntimeEngine.class);
    private final Path cacheRoot;
    private Availability availability; // guarded by this; null until first use

    /**
     * @param lifecycle the node, for its data directory
     */
    @Activate
    public OnnxRuntimeEngine(@Reference NodeLifecycle lifecycle) {
        this(lifecycle.info().dataDirectory().resolve("cache"));
    }

    /**
     * @param cacheRoot where native libraries are extracted ({@code <data-dir>/cache})
     */
    OnnxRuntimeEngine(Path cacheRoot) {
        this.cacheRoot = cacheRoot;
    }

    /**
     * ONNX Runtime starts on first use (the model loader's, or a self-test's), not while the
     * framework starts bundles: extracting and loading its native library takes seconds, and the
     * node is READY only when every start-up bundle has started.
     */
    private synchronized Availability started() {
        if (availability == null) {
            availability = start(cacheRoot);
        }
        return availability;
    }

    private Availability start(Path cacheRoot) {
        try {
            DjlEnvironment.configure(cacheRoot);
            Engine engine = DjlEnvironment.withBundleLoader(() -> Engine.getEngine(DJL_ENGINE));
            logger.info(
                    "ONNX Runtime engine ready (DJL {}, ONNX Runtime {}), natives under {}",
                    Engine.getDjlVersion(),
                    engine.getVersion(),
                    cacheRoot);
            return Availability.ok();
        } catch (Exception | LinkageError e) {
            logger.warn("ONNX Runtime does not start on this machine: {}", e.toString());
            return Availability.unavailable("ONNX Runtime does not start: " + e);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Device> devices() {
        return List.of(Device.cpu());
    }

    @Override
    public Set<ModelFormat> formats() {
        return Set.of(ModelFormat.ONNX);
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
        if (!device.kind().equals("cpu")) {
            throw new InvalidArgumentException(
                    "the onnxruntime engine runs on the CPU only, not on " + device.kind());
        }
        return OnnxLoadedModel.load(source, device);
    }
}
