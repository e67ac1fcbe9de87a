package ai.hanzo.node.inference.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.inference.EmbedRequest;
import ai.hanzo.node.api.inference.EmbedResult;
import ai.hanzo.node.api.inference.Embedding;
import ai.hanzo.node.api.inference.InferRequest;
import ai.hanzo.node.api.inference.InferResult;
import ai.hanzo.node.api.inference.InferenceService;
import ai.hanzo.node.api.inference.ModelInfo;
import ai.hanzo.node.api.inference.ModelState;
import ai.hanzo.node.api.inference.Tensor;
import ai.hanzo.node.api.inference.TokenizedText;
import ai.hanzo.node.api.inference.Truncation;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real fp32 all-MiniLM-L6-v2 on ONNX Runtime through DJL, against reference vectors computed
 * without Java (src/test/js/make-reference.sh: tokenizers.js + onnxruntime-node).
 */
class MiniLmEmbeddingTest {
    @TempDir static Path cache;
    static DjlInferenceService service;
    static List<Reference> references;

    record Reference(String text, int tokens, boolean truncated, long[] ids, float[] embedding) {}

    @BeforeAll
    static void start() throws Exception {
        references = readReferences();
        service = MiniLm.startWithDefaultModel(ServingSettings.defaults(), cache);
    }

    @AfterAll
    static void stop() throws Exception {
        service.deactivate();
    }

    @Test
    void theDefaultModelIsListedReadyWithItsShape() {
        ModelInfo info = service.model(InferenceService.DEFAULT_MODEL).orElseThrow();
        assertEquals(ModelState.READY, info.state());
        assertEquals("onnxruntime", info.engine());
        assertEquals(384, info.dimensions());
        assertEquals(256, info.maxTokens());
        assertTrue(info.memoryBytes() >= 90_000_000L, "weights accounted: " + info.memoryBytes());
        assertEquals(
                List.of("input_ids", "attention_mask", "token_type_ids"),
                info.inputs().stream().map(s -> s.name()).toList());
        assertTrue(Files.exists(cache.resolve("onnxruntime")), "ORT natives under the cache");
        assertTrue(Files.exists(cache.resolve("djl")), "DJL natives under the cache");
    }

    @Test
    void eachTextAloneMatchesTheNonJavaReference() throws Exception {
        for (Reference reference : references) {
            EmbedResult result = embed(List.of(reference.text()), Truncation.END);
            Embedding embedding = result.embeddings().get(0);
            double cosine = cosine(embedding.values(), reference.embedding());
            assertTrue(cosine >= 0.999, "cosine " + cosine + " for: " + reference.text());
            assertEquals(reference.tokens(), embedding.tokens(), reference.text());
            assertEquals(reference.truncated(), embedding.truncated(), reference.text());
        }
    }

    @Test
    void allTextsInOneBatchMatchTheReference() throws Exception {
        List<String> texts = references.stream().map(Reference::text).toList();
        EmbedResult result = embed(texts, Truncation.END);
        assertEquals(texts.size(), result.embeddings().size());
        for (int i = 0; i < texts.size(); i++) {
            double cosine =
                    cosine(result.embeddings().get(i).values(), references.get(i).embedding());
            assertTrue(cosine >= 0.999, "batched cosine " + cosine + " for: " + texts.get(i));
        }
        assertTrue(result.timings().batchSize() >= 1);
        assertTrue(result.timings().inference().toNanos() > 0);
    }

    @Test
    void tokenIdsAreTheReferenceTokenizersIds() throws Exception {
        List<TokenizedText> tokenized =
                service.tokenize(
                                "",
                                references.stream().map(Reference::text).toList(),
                                Truncation.END)
                        .toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
        for (int i = 0; i < references.size(); i++) {
            assertArrayEquals(
                    references.get(i).ids(), tokenized.get(i).ids(), references.get(i).text());
        }
    }

    @Test
    void relatedSentencesAreCloserThanUnrelatedOnes() throws Exception {
        List<Embedding> e =
                embed(
                                List.of(
                                        "A cat sits on the mat.",
                                        "A kitten is sitting on a rug.",
                                        "The stock market fell sharply after the interest rate"
                                                + " announcement.",
                                        "How do I reset my password?",
                                        "I forgot my login credentials and need to change them."),
                                Truncation.DEFAULT)
                        .embeddings();
        double cats = e.get(0).cosine(e.get(1));
        double passwords = e.get(3).cosine(e.get(4));
        assertEquals(0.698, cats, 0.01, "the known fp32 value");
        assertTrue(cats > e.get(0).cosine(e.get(2)) + 0.3, "cat/kitten vs cat/stocks");
        assertTrue(passwords > e.get(3).cosine(e.get(1)) + 0.3, "password pair vs unrelated");
        for (Embedding embedding : e) {
            assertEquals(1.0, embedding.cosine(embedding), 1e-5, "unit length");
        }
    }

    @Test
    void inferOnRawTensorsGivesTheTokenVectorsEmbedPools() throws Exception {
        TokenizedText cat =
                service.tokenize("", List.of("A cat sits on the mat."), Truncation.END)
                        .toCompletableFuture()
                        .get()
                        .get(0);
        long[] ids = cat.ids();
        int n = ids.length;
        long[] ones = new long[n];
        java.util.Arrays.fill(ones, 1);
        Map<String, Tensor> item =
                Map.of(
                        "input_ids", Tensor.ofLongs(new long[] {n}, ids),
                        "attention_mask", Tensor.ofLongs(new long[] {n}, ones),
                        "token_type_ids", Tensor.ofLongs(new long[] {n}, new long[n]));
        InferResult result =
                service.infer(new InferRequest("", List.of(item, item), null))
                        .toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
        assertEquals(2, result.outputs().size());
        Tensor hidden = result.outputs().get(1).get("last_hidden_state");
        assertArrayEquals(new long[] {n, 384}, hidden.shape());
        float[] values = hidden.toFloats();
        float[] mean = new float[384];
        for (int t = 0; t < n; t++) {
            for (int d = 0; d < 384; d++) {
                mean[d] += values[t * 384 + d] / n;
            }
        }
        float[] embedded =
                embed(List.of("A cat sits on the mat."), Truncation.END)
                        .embeddings()
                        .get(0)
                        .values();
        assertTrue(cosine(mean, embedded) > 0.9999);
        assertEquals(2, result.timings().batchSize(), "both items ran as one batch");
    }

    @Test
    void overLongTextIsCutOrRefusedAsAsked() throws Exception {
        String longText = references.get(references.size() - 1).text();
        Embedding cut = embed(List.of(longText), Truncation.END).embeddings().get(0);
        assertTrue(cut.truncated());
        assertEquals(256, cut.tokens());
        Throwable refused =
                Failures.of(
                        service.embed(
                                new EmbedRequest(
                                        "", List.of("ok", longText), Truncation.NONE, null)));
        Failures.assertCode(refused, "INVALID_ARGUMENT", "text 1 is ");
        assertFalse(refused.getMessage().isBlank());
    }

    private static EmbedResult embed(List<String> texts, Truncation truncation) throws Exception {
        return service.embed(
                        new EmbedRequest(InferenceService.DEFAULT_MODEL, texts, truncation, null))
                .toCompletableFuture()
                .get(60, TimeUnit.SECONDS);
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    /** Reads the fixture without a JSON library: it is written by our own script, one shape. */
    static List<Reference> readReferences() throws Exception {
        String json;
        try (InputStream in =
                MiniLmEmbeddingTest.class.getResourceAsStream("/minilm-reference.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> texts;
        try (InputStream in = MiniLmEmbeddingTest.class.getResourceAsStream("/minilm-texts.json")) {
            texts = JsonStrings.parseArray(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        Pattern result =
                Pattern.compile(
                        "\"tokens\":\\s*(\\d+),\\s*\"truncated\":\\s*(true|false),\\s*\"ids\":\\s*\\[([^\\]]*)\\],\\s*\"embedding\":\\s*\\[([^\\]]*)\\]");
        Matcher m = result.matcher(json);
        List<Reference> list = new ArrayList<>();
        while (m.find()) {
            long[] ids =
                    java.util.Arrays.stream(m.group(3).split(","))
                            .map(String::trim)
                            .mapToLong(Long::parseLong)
                            .toArray();
            String[] parts = m.group(4).split(",");
            float[] vector = new float[parts.length];
            for (int i = 0; i < parts.length; i++) {
                vector[i] = Float.parseFloat(parts[i].trim());
            }
            list.add(
                    new Reference(
                            texts.get(list.size()),
                            Integer.parseInt(m.group(1)),
                            Boolean.parseBoolean(m.group(2)),
                            ids,
                            vector));
        }
        assertEquals(texts.size(), list.size(), "one reference per text");
        return list;
    }
}
