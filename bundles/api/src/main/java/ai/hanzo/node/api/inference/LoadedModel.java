package ai.hanzo.node.api.inference;

import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/** A model an {@link InferenceEngine} has loaded onto a device. Safe for concurrent predictions. */
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
     * @return its inputs
     */
    List<TensorSpec> inputs();

    /**
     * @return its outputs
     */
    List<TensorSpec> outputs();

    /**
     * Runs the model on a batch. Each element maps input names to tensors without the batch
     * dimension; the engine may stack them into one run.
     *
     * @param batch the inputs, one map per item
     * @return the outputs, one map per item, in the same order
     */
    List<Map<String, Tensor>> predict(List<Map<String, Tensor>> batch);

    /** Frees the model's memory; predictions after this fail. */
    @Override
    void close();
}
