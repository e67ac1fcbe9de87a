package ai.hanzo.node.api.inference;

import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A model an {@link InferenceEngine} has loaded onto a device. {@link #run} is safe to call from
 * several threads at once.
 */
@ConsumerType
public interface LoadedModel extends AutoCloseable {
    /**
     * @return where it was loaded from
     */
    ModelSource source();

    /**
     * @return the device it runs on
     */
    Device device();

    /**
     * @return its inputs, with the batch dimension first
     */
    List<TensorSpec> inputs();

    /**
     * @return its outputs, with the batch dimension first
     */
    List<TensorSpec> outputs();

    /**
     * Runs the model once. The node has already stacked the batch: every tensor carries the batch
     * dimension first, and the node checked names, types and ranks against {@link #inputs()}.
     *
     * @param inputs every input by name
     * @return every output by name, batch dimension first
     */
    Map<String, Tensor> run(Map<String, Tensor> inputs);

    /**
     * @return the memory this model holds (weights and runtime session) as well as the engine can
     *     tell, for the node's memory budget
     */
    long memoryBytes();

    /** Frees the model's memory; runs after this fail. */
    @Override
    void close();
}
