package ai.hanzo.node.api.inference;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The answer to an {@link InferRequest}.
 *
 * @param modelId the model that ran
 * @param outputs one map of named output tensors per item, in order, without the batch dimension
 * @param timings where the time went
 */
public record InferResult(String modelId, List<Map<String, Tensor>> outputs, Timings timings) {
    /** Checks the values and copies the outputs. */
    public InferResult {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(timings, "timings");
        outputs = outputs.stream().map(Map::copyOf).toList();
    }
}
