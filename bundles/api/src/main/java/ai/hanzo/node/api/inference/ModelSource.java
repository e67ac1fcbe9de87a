package ai.hanzo.node.api.inference;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where a model is and how to load it.
 *
 * @param modelId the id it is served under
 * @param format its format
 * @param location its file or directory
 * @param options engine-specific options, such as a tokenizer path or pooling mode
 */
public record ModelSource(
        String modelId, ModelFormat format, Path location, Map<String, String> options) {
    /** Copies the options so the value is immutable. */
    public ModelSource {
        options = Map.copyOf(options);
    }
}
