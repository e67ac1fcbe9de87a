package ai.hanzo.example.linear.internal;

import ai.hanzo.example.safetensors.SafeTensors;
import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.inference.Device;
import ai.hanzo.node.api.inference.InferenceEngine;
import ai.hanzo.node.api.inference.LoadedModel;
import ai.hanzo.node.api.inference.ModelFormat;
import ai.hanzo.node.api.inference.ModelSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Component;

/**
 * An inference engine for linear models: a safetensors file with an F32 {@code weight} [out, in]
 * and optionally a {@code bias} [out], read with the safetensors library bundle beside this one.
 */
@Component(service = InferenceEngine.class, property = InferenceEngine.NAME_PROPERTY + "=linear")
public final class LinearEngine implements InferenceEngine {
    @Override
    public String name() {
        return "linear";
    }

    @Override
    public List<Device> devices() {
        return List.of(Device.cpu());
    }

    @Override
    public Set<ModelFormat> formats() {
        return Set.of(ModelFormat.SAFETENSORS);
    }

    /** Reads and runs a 1x1 model made in memory: proves the library bundle is wired and works. */
    @Override
    public Availability selfTest() {
        try {
            SafeTensors probe =
                    SafeTensors.parse(
                            SafeTensors.write(
                                    Map.of(
                                            "weight",
                                            Map.entry(new long[] {1, 1}, new float[] {2}))));
            float[] y = LinearModel.of(null, Device.cpu(), probe).apply(new float[] {3}, 1);
            return y[0] == 6
                    ? Availability.ok()
                    : Availability.unavailable("self-test computed " + y[0] + " for 2 x 3");
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("self-test failed: " + e);
        }
    }

    @Override
    public LoadedModel load(ModelSource source, Device device) {
        if (!"file".equals(source.location().getScheme())) {
            throw new InvalidArgumentException(
                    "the linear engine reads local safetensors files, not " + source.location());
        }
        try {
            return LinearModel.of(source, device, SafeTensors.read(Path.of(source.location())));
        } catch (IOException e) {
            throw new InvalidArgumentException(
                    "cannot read " + source.location() + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException(source.modelId() + ": " + e.getMessage(), e);
        }
    }
}
