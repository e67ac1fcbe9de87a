package ai.hanzo.node.api.inference;

import ai.hanzo.node.api.Availability;
import java.util.List;
import java.util.Set;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * An inference engine or accelerator: the SPI a plugin implements to add one to a live node.
 *
 * <p>Register an implementation as an OSGi service (with {@value #NAME_PROPERTY} set to {@link
 * #name()}); the node runs its {@link #selfTest()}, advertises it, and may load models on it at
 * once. When it goes away, its models are moved to another engine or unloaded.
 */
@ConsumerType
public interface InferenceEngine {
    /** The service property that carries the engine's name. */
    String NAME_PROPERTY = "hanzo.engine.name";

    /**
     * @return the engine's unique name, such as {@code onnxruntime} or {@code pytorch}
     */
    String name();

    /**
     * @return the devices the engine can use on this machine
     */
    List<Device> devices();

    /**
     * @return the model formats it can load
     */
    Set<ModelFormat> formats();

    /**
     * @return whether the engine works on this machine, and why not
     */
    Availability selfTest();

    /**
     * @param source the model
     * @param device one of {@link #devices()}
     * @return the loaded model
     */
    LoadedModel load(ModelSource source, Device device);
}
