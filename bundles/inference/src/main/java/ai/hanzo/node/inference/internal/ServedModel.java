package ai.hanzo.node.inference.internal;

import ai.hanzo.node.api.inference.Device;
import ai.hanzo.node.api.inference.LoadedModel;
import ai.hanzo.node.api.inference.ModelInfo;
import ai.hanzo.node.api.inference.ModelSource;
import ai.hanzo.node.api.inference.ModelState;
import ai.hanzo.node.api.inference.Tensor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** One model the service knows, in whatever state; its fields change only on the loader thread. */
final class ServedModel {
    final ModelSource source;
    final CompletableFuture<ModelInfo> ready = new CompletableFuture<>();
    volatile ModelState state = ModelState.LOADING;
    volatile String error = "";
    volatile String engine = "";
    volatile Device device = Device.cpu();
    volatile LoadedModel loaded;
    volatile TextEncoder encoder;
    volatile DynamicBatcher<TextEncoder.Encoded, float[]> embedBatcher;
    volatile DynamicBatcher<Map<String, Tensor>, Map<String, Tensor>> inferBatcher;
    volatile Instant loadedAt;
    volatile Duration loadTime = Duration.ZERO;
    volatile int dimensions;

    ServedModel(ModelSource source) {
        this.source = source;
    }

    String id() {
        return source.modelId();
    }

    ModelInfo info() {
        LoadedModel model = loaded;
        TextEncoder text = encoder;
        return new ModelInfo(
                source.modelId(),
                source.format(),
                engine,
                device,
                state,
                error,
                source.location(),
                model == null ? List.of() : model.inputs(),
                model == null ? List.of() : model.outputs(),
                loadedAt,
                loadTime,
                model == null ? 0 : model.memoryBytes(),
                text == null ? 0 : text.maxTokens(),
                dimensions);
    }
}
