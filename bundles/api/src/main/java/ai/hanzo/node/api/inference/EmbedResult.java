package ai.hanzo.node.api.inference;

import java.util.List;
import java.util.Objects;

/**
 * The answer to an {@link EmbedRequest}.
 *
 * @param modelId the model that made them
 * @param embeddings one per text, in order
 * @param timings where the time went
 */
public record EmbedResult(String modelId, List<Embedding> embeddings, Timings timings) {
    /** Checks the values and copies the list. */
    public EmbedResult {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(timings, "timings");
        embeddings = List.copyOf(embeddings);
    }
}
