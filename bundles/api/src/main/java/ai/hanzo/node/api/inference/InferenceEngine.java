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
 * once. When it goes away, the models loaded on it are unloaded (their requests fail with {@code
 * UNAVAILABLE}) and listed as failed with the reason. An engine embeds its runtime (DJL, native
 * libraries) privately and extracts native files only under the directory the node gives it.
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
     * Loads a model. Called on a node thread that may block for as long as loading takes.
     *
     * @param source the model; its location is a local {@code file:} URI by the time the engine
     *     sees it (the node fetches and unpacks other locations), and its options carry {@link
     *     ModelSource#INTRA_OP_THREADS} and {@link ModelSource#INTER_OP_THREADS}
     * @param device one of {@link #devices()}
     * @return the loaded model
     * @throws ai.hanzo.node.api.InvalidArgumentException if the file is not a model it can read
     */
    LoadedModel load(ModelSource source, Device device);
}
