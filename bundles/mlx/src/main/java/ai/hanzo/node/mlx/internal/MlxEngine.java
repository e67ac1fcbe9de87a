package ai.hanzo.node.mlx.internal;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.inference.Device;
import ai.hanzo.node.api.inference.InferenceEngine;
import ai.hanzo.node.api.inference.LoadedModel;
import ai.hanzo.node.api.inference.ModelFormat;
import ai.hanzo.node.api.inference.ModelSource;
import java.util.List;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * The MLX engine's place in the node: present only on macOS arm64 (the bundle's osgi.native
 * requirement), so the node knows the machine could run MLX and {@code --mlx} is accepted there. No
 * Java binding for MLX exists, so it loads nothing and says so in its self-test; a binding plugs in
 * here.
 */
@Component(property = InferenceEngine.NAME_PROPERTY + "=" + MlxEngine.NAME)
public final class MlxEngine implements InferenceEngine {
    static final String NAME = "mlx";
    static final String WHY =
            "no MLX binding for Java exists yet; MLX models cannot be loaded (use the onnxruntime"
                    + " engine, or the pytorch plug-in with the mps device)";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Device> devices() {
        return List.of(new Device("mlx", 0, "Apple silicon GPU (Metal)", 0));
    }

    @Override
    public Set<ModelFormat> formats() {
        return Set.of(ModelFormat.MLX);
    }

    @Override
    public Availability selfTest() {
        return Availability.unavailable(WHY);
    }

    @Override
    public LoadedModel load(ModelSource source, Device device) {
        throw new FailedPreconditionException("cannot load " + source.modelId() + ": " + WHY);
    }
}
