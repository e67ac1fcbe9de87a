package ai.hanzo.node.api.inference;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's model serving: loads models on the engines plugged in, and runs them, batching
 * concurrent requests.
 *
 * <p>Every call returns at once; the work completes the returned stage. Its failures are {@link
 * ai.hanzo.node.api.NodeException}s: an unknown model is {@code NOT_FOUND}; input that does not fit
 * the model (wrong shape or type, empty text, too many items, a text too long with truncation off)
 * is {@code INVALID_ARGUMENT}; a full queue is {@code RESOURCE_EXHAUSTED} (retry later); a model
 * still loading is {@code UNAVAILABLE}; a passed deadline is {@code DEADLINE_EXCEEDED}. Cancelling
 * the stage ({@code toCompletableFuture().cancel(false)}) drops a request that has not run yet.
 */
@ProviderType
public interface InferenceService {
    /** The id of the embedding model a fresh node serves: all-MiniLM-L6-v2 (fp32, 384 dims). */
    String DEFAULT_MODEL = "all-minilm-l6-v2";

    /**
     * @return every model the node knows: loading, ready, failed or unloading
     */
    List<ModelInfo> models();

    /**
     * @param modelId a model id
     * @return the model, if the node knows it
     */
    Optional<ModelInfo> model(String modelId);

    /**
     * @return the engines plugged in now
     */
    List<EngineInfo> engines();

    /**
     * Loads a model in the background. The model is listed as {@link ModelState#LOADING} at once.
     *
     * @param source the model to load
     * @return completes with the model once it is ready, or with why it failed ({@code
     *     ALREADY_EXISTS} for an id in use, {@code FAILED_PRECONDITION} when no engine loads the
     *     format, {@code RESOURCE_EXHAUSTED} past the memory budget, {@code INVALID_ARGUMENT} for a
     *     corrupt or unreadable model)
     */
    CompletionStage<ModelInfo> load(ModelSource source);

    /**
     * Stops accepting requests for the model, lets queued ones finish, then frees it.
     *
     * @param modelId the model to unload
     * @return completes when its memory is freed; {@code NOT_FOUND} for an unknown id
     */
    CompletionStage<Void> unload(String modelId);

    /**
     * @param request texts for a text-embedding model
     * @return one L2-normalised vector per text, in order
     */
    CompletionStage<EmbedResult> embed(EmbedRequest request);

    /**
     * @param modelId a loaded text model ({@link #DEFAULT_MODEL} when empty)
     * @param texts the texts
     * @param truncation what to do with texts past the model's maximum
     * @return each text as the model would see it
     */
    CompletionStage<List<TokenizedText>> tokenize(
            String modelId, List<String> texts, Truncation truncation);

    /**
     * @param request named input tensors for a loaded model
     * @return the named output tensors, one map per item
     */
    CompletionStage<InferResult> infer(InferRequest request);
}
