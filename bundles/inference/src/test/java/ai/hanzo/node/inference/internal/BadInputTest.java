package ai.hanzo.node.inference.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.inference.EmbedRequest;
import ai.hanzo.node.api.inference.InferRequest;
import ai.hanzo.node.api.inference.InferenceService;
import ai.hanzo.node.api.inference.ModelFormat;
import ai.hanzo.node.api.inference.ModelInfo;
import ai.hanzo.node.api.inference.ModelSource;
import ai.hanzo.node.api.inference.ModelState;
import ai.hanzo.node.api.inference.Tensor;
import ai.hanzo.node.api.inference.Truncation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each kind of bad input gets a clear error with the right code; the node keeps serving. */
class BadInputTest {
    @TempDir static Path cache;
    static DjlInferenceService service;

    @BeforeAll
    static void start() throws Exception {
        ServingSettings defaults = ServingSettings.defaults();
        ServingSettings small =
                new ServingSettings(
                        new DynamicBatcher.Settings(16384, 64, Duration.ZERO, 8, 1),
                        16,
                        2000,
                        true,
                        1,
                        1,
                        false,
                        defaults.memoryBudgetBytes());
        service = MiniLm.startWithDefaultModel(small, cache);
    }

    @AfterAll
    static void stop() throws Exception {
        service.deactivate();
        // and the service still works up to that point: checked in stillServes()
    }

    private static void stillServes() throws Exception {
        assertEquals(
                384,
                service.embed(EmbedRequest.of("", List.of("still here")))
                        .toCompletableFuture()
                        .get(30, TimeUnit.SECONDS)
                        .embeddings()
                        .get(0)
                        .values()
                        .length);
    }

    @Test
    void emptyTextIsInvalid() throws Exception {
        Failures.assertCode(
                Failures.of(service.embed(EmbedRequest.of("", List.of("fine", "")))),
                "INVALID_ARGUMENT",
                "text 1 is empty");
        Failures.assertCode(
                Failures.of(service.embed(EmbedRequest.of("", List.of()))),
                "INVALID_ARGUMENT",
                "no texts");
        stillServes();
    }

    @Test
    void oversizedBatchAndTextAreInvalid() throws Exception {
        Failures.assertCode(
                Failures.of(service.embed(EmbedRequest.of("", Collections.nCopies(17, "x")))),
                "INVALID_ARGUMENT",
                "at most 16");
        Failures.assertCode(
                Failures.of(service.embed(EmbedRequest.of("", List.of("y".repeat(2001))))),
                "INVALID_ARGUMENT",
                "2001 characters");
        stillServes();
    }

    @Test
    void moreTextsThanTheQueueHoldsIsResourceExhausted() throws Exception {
        Failures.assertCode(
                Failures.of(service.embed(EmbedRequest.of("", Collections.nCopies(9, "x")))),
                "RESOURCE_EXHAUSTED",
                "retry later");
        stillServes();
    }

    @Test
    void unknownModelIsNotFound() throws Exception {
        Failures.assertCode(
                Failures.of(service.embed(EmbedRequest.of("nope", List.of("x")))),
                "NOT_FOUND",
                "model nope is not loaded");
        Failures.assertCode(Failures.of(service.unload("nope")), "NOT_FOUND", "nope");
    }

    @Test
    void aPassedDeadlineIsDeadlineExceeded() throws Exception {
        Failures.assertCode(
                Failures.of(
                        service.embed(
                                new EmbedRequest(
                                        "",
                                        List.of("late"),
                                        Truncation.DEFAULT,
                                        java.time.Instant.now().minusSeconds(1)))),
                "DEADLINE_EXCEEDED",
                "deadline");
        stillServes();
    }

    @Test
    void wrongTensorTypeShapeOrNameIsInvalid() throws Exception {
        long[] three = {3};
        Map<String, Tensor> floats =
                Map.of(
                        "input_ids", Tensor.ofFloats(three, new float[3]),
                        "attention_mask", Tensor.ofLongs(three, new long[] {1, 1, 1}),
                        "token_type_ids", Tensor.ofLongs(three, new long[3]));
        Failures.assertCode(
                Failures.of(service.infer(new InferRequest("", List.of(floats), null))),
                "INVALID_ARGUMENT",
                "input input_ids is FLOAT32[3]");
        Map<String, Tensor> rank2 =
                Map.of(
                        "input_ids", Tensor.ofLongs(new long[] {1, 3}, new long[3]),
                        "attention_mask", Tensor.ofLongs(three, new long[] {1, 1, 1}),
                        "token_type_ids", Tensor.ofLongs(three, new long[3]));
        Failures.assertCode(
                Failures.of(service.infer(new InferRequest("", List.of(rank2), null))),
                "INVALID_ARGUMENT",
                "wants INT64[-1]");
        Map<String, Tensor> missing = Map.of("input_ids", Tensor.ofLongs(three, new long[3]));
        Failures.assertCode(
                Failures.of(service.infer(new InferRequest("", List.of(missing), null))),
                "INVALID_ARGUMENT",
                "lacks input attention_mask");
        stillServes();
    }

    @Test
    void aCorruptModelFailsToLoadAndTheOthersKeepServing() throws Exception {
        Path corrupt = cache.resolve("corrupt.onnx");
        Files.write(corrupt, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        Throwable failure =
                Failures.of(
                        service.load(
                                new ModelSource(
                                        "corrupt", ModelFormat.ONNX, corrupt.toUri(), Map.of())));
        Failures.assertCode(failure, "INVALID_ARGUMENT", "corrupt.onnx");
        ModelInfo info = service.model("corrupt").orElseThrow();
        assertEquals(ModelState.FAILED, info.state());
        assertTrue(info.error().contains("corrupt.onnx"), info.error());
        Failures.assertCode(
                Failures.of(service.embed(EmbedRequest.of("corrupt", List.of("x")))),
                "FAILED_PRECONDITION",
                "failed to load");
        Failures.assertCode(
                Failures.of(
                        service.load(
                                new ModelSource(
                                        InferenceService.DEFAULT_MODEL,
                                        ModelFormat.ONNX,
                                        corrupt.toUri(),
                                        Map.of()))),
                "ALREADY_EXISTS",
                "already ready");
        Failures.assertCode(
                Failures.of(
                        service.load(
                                new ModelSource(
                                        "torch",
                                        ModelFormat.TORCHSCRIPT,
                                        corrupt.toUri(),
                                        Map.of()))),
                "FAILED_PRECONDITION",
                "no available engine");
        stillServes();
    }
}
