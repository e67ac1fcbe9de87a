package ai.hanzo.node.api.inference;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Texts to embed.
 *
 * @param modelId a loaded text-embedding model ({@link InferenceService#DEFAULT_MODEL} when empty)
 * @param texts the texts, at least one, none empty
 * @param truncation what to do with texts longer than the model takes
 * @param deadline when the caller stops waiting: a request still queued then fails with
 *     DEADLINE_EXCEEDED and is never run; {@code null} for none
 */
public record EmbedRequest(
        String modelId, List<String> texts, Truncation truncation, Instant deadline) {
    /** Checks the values and copies the list. */
    public EmbedRequest {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(truncation, "truncation");
        texts = List.copyOf(texts);
    }

    /**
     * @param modelId the model
     * @param texts the texts
     * @return a request with the default truncation and no deadline
     */
    public static EmbedRequest of(String modelId, List<String> texts) {
        return new EmbedRequest(modelId, texts, Truncation.DEFAULT, null);
    }
}
