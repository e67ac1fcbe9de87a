package ai.hanzo.node.inference.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.UnavailableException;
import ai.hanzo.node.api.inference.DataType;
import ai.hanzo.node.api.inference.Device;
import ai.hanzo.node.api.inference.InferRequest;
import ai.hanzo.node.api.inference.InferenceEngine;
import ai.hanzo.node.api.inference.LoadedModel;
import ai.hanzo.node.api.inference.ModelFormat;
import ai.hanzo.node.api.inference.ModelInfo;
import ai.hanzo.node.api.inference.ModelSource;
import ai.hanzo.node.api.inference.ModelState;
import ai.hanzo.node.api.inference.Tensor;
import ai.hanzo.node.api.inference.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What happens to loaded models when their engine leaves: they move to another engine that loads
 * their format, or are listed unavailable with the reason and load again by themselves when a
 * capable engine comes back. The engines here are test doubles that scale their input by a factor,
 * so the answer shows which engine served it.
 */
class EngineDepartureTest {
    @TempDir Path dir;
    private DjlInferenceService service;
    private Path modelFile;

    /** An engine whose models multiply their input by {@code factor}. */
    static final class ScalingEngine implements InferenceEngine {
        final String name;
        final float factor;
        final AtomicInteger open = new AtomicInteger();

        ScalingEngine(String name, float factor) {
            this.name = name;
            this.factor = factor;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<Device> devices() {
            return List.of(Device.cpu());
        }

        @Override
        public Set<ModelFormat> formats() {
            return Set.of(ModelFormat.ONNX);
        }

        @Override
        public Availability selfTest() {
            return Availability.ok();
        }

        @Override
        public LoadedModel load(ModelSource source, Device device) {
            open.incrementAndGet();
            TensorSpec spec = new TensorSpec("x", DataType.FLOAT32, new long[] {-1, 2});
            return new LoadedModel() {
                private boolean closed;

                @Override
                public ModelSource source() {
                    return source;
                }

                @Override
                public Device device() {
                    return device;
                }

                @Override
                public List<TensorSpec> inputs() {
                    return List.of(spec);
                }

                @Override
                public List<TensorSpec> outputs() {
                    return List.of(new TensorSpec("y", DataType.FLOAT32, new long[] {-1, 2}));
                }

                @Override
                public Map<String, Tensor> run(Map<String, Tensor> inputs) {
                    Tensor x = inputs.get("x");
                    float[] values = x.toFloats();
                    for (int i = 0; i < values.length; i++) {
                        values[i] *= factor;
                    }
                    return Map.of("y", Tensor.ofFloats(x.shape(), values));
                }

                @Override
                public long memoryBytes() {
                    return 1;
                }

                @Override
                public synchronized void close() {
                    if (!closed) {
                        closed = true;
                        open.decrementAndGet();
                    }
                }
            };
        }
    }

    @BeforeEach
    void start() throws Exception {
        modelFile = Files.writeString(dir.resolve("scale.onnx"), "weights");
        service = new DjlInferenceService(ServingSettings.defaults(), dir.resolve("cache"));
    }

    @AfterEach
    void stop() throws Exception {
        service.deactivate();
    }

    private static Map<String, Object> named(String name) {
        return Map.of(InferenceEngine.NAME_PROPERTY, name);
    }

    private ModelInfo load(Map<String, String> options) throws Exception {
        return service.load(new ModelSource("scale", ModelFormat.ONNX, modelFile.toUri(), options))
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }

    private float[] infer() throws Exception {
        Tensor x = Tensor.ofFloats(new long[] {2}, new float[] {1, 2});
        return service.infer(new InferRequest("scale", List.of(Map.of("x", x)), null))
                .toCompletableFuture()
                .get(30, TimeUnit.SECONDS)
                .outputs()
                .get(0)
                .get("y")
                .toFloats();
    }

    private ModelInfo awaitState(ModelState state) {
        return await().atMost(Duration.ofSeconds(30))
                .until(() -> service.model("scale").orElseThrow(), m -> m.state() == state);
    }

    @Test
    void aModelMovesToAnotherEngineForItsFormat() throws Exception {
        ScalingEngine alpha = new ScalingEngine("alpha", 2);
        ScalingEngine beta = new ScalingEngine("beta", 3);
        service.bindEngine(alpha, named("alpha"));
        service.bindEngine(beta, named("beta"));
        assertEquals("alpha", load(Map.of()).engine());
        assertArrayEquals(new float[] {2, 4}, infer());

        service.unbindEngine(alpha);
        ModelInfo moved =
                await().atMost(Duration.ofSeconds(30))
                        .until(
                                () -> service.model("scale").orElseThrow(),
                                m -> m.state() == ModelState.READY && m.engine().equals("beta"));
        assertEquals("", moved.error());
        assertArrayEquals(new float[] {3, 6}, infer());
        assertEquals(0, alpha.open.get(), "the departed engine's model was closed");
        assertEquals(1, beta.open.get());
    }

    @Test
    void aModelWithoutAnEngineIsUnavailableAndComesBackWithIt() throws Exception {
        ScalingEngine alpha = new ScalingEngine("alpha", 2);
        service.bindEngine(alpha, named("alpha"));
        load(Map.of());

        service.unbindEngine(alpha);
        ModelInfo gone = awaitState(ModelState.UNAVAILABLE);
        assertTrue(gone.error().contains("its engine alpha was removed"), gone.error());
        assertEquals(0, alpha.open.get());
        ExecutionException refused = assertThrows(ExecutionException.class, this::infer);
        assertInstanceOf(UnavailableException.class, refused.getCause());
        assertTrue(refused.getCause().getMessage().contains("alpha was removed"));

        ScalingEngine back = new ScalingEngine("alpha", 2);
        service.bindEngine(back, named("alpha"));
        awaitState(ModelState.READY);
        assertArrayEquals(new float[] {2, 4}, infer());
        assertEquals(1, back.open.get());
    }

    @Test
    void aModelPinnedToItsEngineWaitsForThatEngine() throws Exception {
        ScalingEngine alpha = new ScalingEngine("alpha", 2);
        ScalingEngine beta = new ScalingEngine("beta", 3);
        service.bindEngine(alpha, named("alpha"));
        service.bindEngine(beta, named("beta"));
        Map<String, String> pinned = new HashMap<>();
        pinned.put(ModelSource.ENGINE, "alpha");
        load(pinned);

        service.unbindEngine(alpha);
        awaitState(ModelState.UNAVAILABLE);
        assertEquals(0, beta.open.get(), "not moved to an engine the load did not name");

        service.bindEngine(alpha, named("alpha"));
        ModelInfo back = awaitState(ModelState.READY);
        assertEquals("alpha", back.engine());
        assertArrayEquals(new float[] {2, 4}, infer());
    }

    @Test
    void aLoadNamesItsDeviceOrGetsAClearError() throws Exception {
        service.bindEngine(new ScalingEngine("alpha", 2), named("alpha"));
        assertEquals("cpu", load(Map.of(ModelSource.DEVICE, "cpu:0")).device().kind());
        service.unload("scale").toCompletableFuture().get(30, TimeUnit.SECONDS);
        ExecutionException refused =
                assertThrows(
                        ExecutionException.class, () -> load(Map.of(ModelSource.DEVICE, "gpu:3")));
        assertInstanceOf(ai.hanzo.node.api.InvalidArgumentException.class, refused.getCause());
        assertEquals(
                "engine alpha has no device gpu:3; it has [cpu:0]",
                refused.getCause().getMessage());
        assertEquals(ModelState.FAILED, service.model("scale").orElseThrow().state());
    }
}
