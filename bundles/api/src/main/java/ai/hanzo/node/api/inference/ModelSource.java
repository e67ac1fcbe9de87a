package ai.hanzo.node.api.inference;

import java.net.URI;
import java.util.Map;
import java.util.Objects;

/**
 * Where a model is and how to load it.
 *
 * <p>The location is a URI: {@code file:} (a model file, or a directory or jar holding one), {@code
 * jar:file:...!/entry} (one entry of a jar), or {@code mvn:group/artifact/version} (a Maven
 * artifact the node's resolver finds, such as a jar that carries a model as resources). When the
 * location holds several files, the options {@value #MODEL_ENTRY} and {@value #TOKENIZER_ENTRY}
 * name them.
 *
 * @param modelId the id it is served under
 * @param format its format
 * @param location where it is
 * @param options engine- and pipeline-specific options (the constants below name the common ones)
 */
public record ModelSource(
        String modelId, ModelFormat format, URI location, Map<String, String> options) {
    /** The model file inside a directory or jar, such as {@code all-minilm-l6-v2.onnx}. */
    public static final String MODEL_ENTRY = "model";

    /**
     * The HF {@code tokenizer.json} inside a directory or jar; a model with one is a text model
     * that {@link InferenceService#embed} and {@link InferenceService#tokenize} accept.
     */
    public static final String TOKENIZER_ENTRY = "tokenizer";

    /** Longest text input in tokens, including special tokens (all-minilm-l6-v2: 256). */
    public static final String MAX_TOKENS = "maxTokens";

    /** Pooling of token vectors into an embedding: {@code mean} (the default) or {@code cls}. */
    public static final String POOLING = "pooling";

    /** The engine to load it on; absent: the first available engine that loads the format. */
    public static final String ENGINE = "engine";

    /** Threads one model run may use (ONNX Runtime intra-op threads); absent: engine default. */
    public static final String INTRA_OP_THREADS = "intraOpThreads";

    /** Model runs that may proceed in parallel inside the engine (inter-op threads). */
    public static final String INTER_OP_THREADS = "interOpThreads";

    /**
     * The device to load it on, as {@code kind} or {@code kind:index} ({@code cpu}, {@code mps},
     * {@code gpu:1}); absent: the engine's first device.
     */
    public static final String DEVICE = "device";

    /** Checks the values and copies the options so the value is immutable. */
    public ModelSource {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(location, "location");
        options = Map.copyOf(options);
    }

    /**
     * @param key an option name
     * @param fallback what to return when it is not set
     * @return the option's value or the fallback
     */
    public String option(String key, String fallback) {
        return options.getOrDefault(key, fallback);
    }
}
