package ai.hanzo.node.inference.internal;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import ai.hanzo.node.api.inference.InferenceEngine;
import ai.hanzo.node.api.inference.ModelInfo;
import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The real all-MiniLM-L6-v2 (fp32) from its carrier jar on the test class path. */
final class MiniLm {
    private MiniLm() {}

    /**
     * @return the carrier jar as a file: URI
     */
    static URI carrierJar() throws Exception {
        URL onnx = MiniLm.class.getResource("/all-minilm-l6-v2.onnx");
        assertNotNull(onnx, "the model carrier jar is on the test class path");
        String spec = onnx.toString(); // jar:file:/...jar!/all-minilm-l6-v2.onnx
        return URI.create(spec.substring("jar:".length(), spec.indexOf("!/")));
    }

    /** A service with the ONNX Runtime engine bound and the default model loaded and ready. */
    static DjlInferenceService startWithDefaultModel(ServingSettings settings, Path cache)
            throws Exception {
        DjlInferenceService service = new DjlInferenceService(settings, cache);
        OnnxRuntimeEngine engine = new OnnxRuntimeEngine(cache);
        service.bindEngine(engine, Map.of(InferenceEngine.NAME_PROPERTY, "onnxruntime"));
        ModelInfo info =
                service.load(DjlInferenceService.defaultSource(carrierJar(), settings))
                        .toCompletableFuture()
                        .get(120, TimeUnit.SECONDS);
        assertNotNull(info.loadedAt());
        return service;
    }
}
