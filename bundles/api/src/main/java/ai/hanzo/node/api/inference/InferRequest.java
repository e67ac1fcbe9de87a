package ai.hanzo.node.api.inference;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A batch of named input tensors for one model. Each item holds the model's inputs without the
 * batch dimension; the node stacks items (its own and other callers') along a new first dimension
 * and runs them together.
 *
 * @param modelId a loaded model
 * @param batch the items, at least one
 * @param deadline when the caller stops waiting; {@code null} for none
 */
public record InferRequest(String modelId, List<Map<String, Tensor>> batch, Instant deadline) {
    /** Checks the values and copies the batch. */
    public InferRequest {
        Objects.requireNonNull(modelId, "modelId");
        batch = batch.stream().map(Map::copyOf).toList();
    }
}
