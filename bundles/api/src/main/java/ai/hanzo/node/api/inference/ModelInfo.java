package ai.hanzo.node.api.inference;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A model the node serves or tries to serve.
 *
 * @param modelId its id
 * @param format its format
 * @param engine the engine it is loaded on (empty while no engine was chosen)
 * @param device the device it runs on
 * @param state where it is in its life
 * @param error why it failed, when {@code state} is {@link ModelState#FAILED}; empty otherwise
 * @param source where it was loaded from
 * @param inputs its inputs as the model declares them (empty until loaded)
 * @param outputs its outputs as the model declares them (empty until loaded)
 * @param loadedAt when it became ready; {@code null} until then
 * @param loadTime how long loading took; zero until ready
 * @param memoryBytes the memory the node accounts to it (weights and runtime session), 0 until
 *     loaded
 * @param maxTokens text models: the longest input in tokens, special tokens included; 0 for others
 * @param dimensions embedding models: the vector length; 0 for others or until known
 */
public record ModelInfo(
        String modelId,
        ModelFormat format,
        String engine,
        Device device,
        ModelState state,
        String error,
        URI source,
        List<TensorSpec> inputs,
        List<TensorSpec> outputs,
        Instant loadedAt,
        Duration loadTime,
        long memoryBytes,
        int maxTokens,
        int dimensions) {
    /** Checks the values and copies the lists. */
    public ModelInfo {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(loadTime, "loadTime");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}
