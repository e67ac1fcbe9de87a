package ai.hanzo.node.pytorch.internal;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.inference.Device;
import ai.hanzo.node.api.inference.InferenceEngine;
import ai.hanzo.node.api.inference.LoadedModel;
import ai.hanzo.node.api.inference.ModelFormat;
import ai.hanzo.node.api.inference.ModelSource;
import ai.hanzo.node.api.node.NodeLifecycle;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code pytorch} inference engine service: PyTorch through DJL 0.36.0, serving TorchScript
 * models. The work is done by {@code TorchRuntimeEngine} in the plug-in's runtime class loader
 * ({@link TorchRuntimeHost} says why); this component makes one when first used and closes its
 * models when the bundle stops.
 */
@Component(property = InferenceEngine.NAME_PROPERTY + "=" + PyTorchEngine.NAME)
public final class PyTorchEngine implements InferenceEngine {
    static final String NAME = "pytorch";

    private final Logger logger = LoggerFactory.getLogger(PyTorchEngine.class);
    private final Bundle bundle;
    private final Path cacheRoot;
    private InferenceEngine runtime; // guarded by this; null until first use
    private Availability failure; // guarded by this

    /**
     * @param context this bundle, whose embedded jars make the runtime
     * @param lifecycle the node, for its data directory
     */
    @Activate
    public PyTorchEngine(BundleContext context, @Reference NodeLifecycle lifecycle) {
        this.bundle = context.getBundle();
        this.cacheRoot = lifecycle.info().dataDirectory().resolve("cache");
    }

    /** The runtime engine, made on first use: copying the embedded jars takes a moment. */
    private synchronized InferenceEngine runtime() {
        if (runtime == null && failure == null) {
            try {
                runtime = TorchRuntimeHost.engine(bundle, cacheRoot);
            } catch (Exception | LinkageError e) {
                logger.warn("The PyTorch runtime does not start: {}", e.toString());
                failure = Availability.unavailable("the PyTorch runtime does not start: " + e);
            }
        }
        return runtime;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Device> devices() {
        InferenceEngine engine = runtime();
        return engine == null ? List.of(Device.cpu()) : engine.devices();
    }

    @Override
    public Set<ModelFormat> formats() {
        return Set.of(ModelFormat.TORCHSCRIPT);
    }

    @Override
    public Availability selfTest() {
        InferenceEngine engine = runtime();
        return engine == null ? failure : engine.selfTest();
    }

    @Override
    public LoadedModel load(ModelSource source, Device device) {
        InferenceEngine engine = runtime();
        if (engine == null) {
            throw new IllegalStateException(failure.reason());
        }
        return engine.load(source, device);
    }

    @Deactivate
    synchronized void deactivate() throws Exception {
        if (runtime instanceof AutoCloseable closeable) {
            closeable.close();
        }
        runtime = null;
    }
}
