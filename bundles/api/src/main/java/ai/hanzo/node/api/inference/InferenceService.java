package ai.hanzo.node.api.inference;

import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's model serving: loads models on the best available engine and runs them, batching
 * concurrent requests. An unknown model is {@code NOT_FOUND}; input that does not fit the model is
 * {@code INVALID_ARGUMENT}; a draining node is {@code FAILED_PRECONDITION}.
 */
@ProviderType
public interface InferenceService {
    /**
     * @return the models loaded now
     */
    List<ModelInfo> models();

    /**
     * @param source the model to load
     * @return where it was loaded
     */
    ModelInfo load(ModelSource source);

    /**
     * @param modelId the model to unload
     */
    void unload(String modelId);

    /**
     * @param modelId a loaded text-embedding model
     * @param texts the texts
     * @return one normalised embedding vector per text, in order
     */
    List<float[]> embed(String modelId, List<String> texts);

    /**
     * @param modelId a loaded model
     * @param batch the inputs, one map per item
     * @return the outputs, one map per item
     */
    List<Map<String, Tensor>> infer(String modelId, List<Map<String, Tensor>> batch);
}
