package ai.hanzo.node.rpc.internal.inference;

import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.inference.EmbedRequest;
import ai.hanzo.node.api.inference.EmbedResult;
import ai.hanzo.node.api.inference.InferRequest;
import ai.hanzo.node.api.inference.InferenceService;
import ai.hanzo.node.api.inference.Tensor;
import ai.hanzo.node.api.inference.TokenizedText;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.proto.v1.EmbedResponse;
import ai.hanzo.node.proto.v1.Embedding;
import ai.hanzo.node.proto.v1.InferResponse;
import ai.hanzo.node.proto.v1.InferStreamResponse;
import ai.hanzo.node.proto.v1.InferenceServiceGrpc;
import ai.hanzo.node.proto.v1.ListModelsRequest;
import ai.hanzo.node.proto.v1.ListModelsResponse;
import ai.hanzo.node.proto.v1.LoadModelRequest;
import ai.hanzo.node.proto.v1.LoadModelResponse;
import ai.hanzo.node.proto.v1.RerankRequest;
import ai.hanzo.node.proto.v1.RerankResponse;
import ai.hanzo.node.proto.v1.RerankResult;
import ai.hanzo.node.proto.v1.SimilarityRequest;
import ai.hanzo.node.proto.v1.SimilarityResponse;
import ai.hanzo.node.proto.v1.TokenizeRequest;
import ai.hanzo.node.proto.v1.TokenizeResponse;
import ai.hanzo.node.proto.v1.TokenizedText.Builder;
import ai.hanzo.node.proto.v1.Truncate;
import ai.hanzo.node.proto.v1.UnloadModelRequest;
import ai.hanzo.node.proto.v1.UnloadModelResponse;
import ai.hanzo.node.rpc.internal.ErrorStatus;
import ai.hanzo.node.rpc.internal.GrpcService;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code hanzo.node.v1.InferenceService} over the api {@link InferenceService}. Handlers never
 * block: each call completes from the api's stage. The caller's gRPC deadline becomes the request's
 * deadline, and a caller that goes away cancels its queued work.
 */
@Component(service = GrpcService.class)
public final class InferenceGrpcService extends InferenceServiceGrpc.InferenceServiceImplBase
        implements GrpcService {
    private final InferenceService inference;
    private final NodeLifecycle lifecycle;

    /**
     * @param inference the node's model serving
     * @param lifecycle the node, to refuse new work while draining
     */
    @Activate
    public InferenceGrpcService(
            @Reference InferenceService inference, @Reference NodeLifecycle lifecycle) {
        this.inference = inference;
        this.lifecycle = lifecycle;
    }

    @Override
    public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> response) {
        try {
            ListModelsResponse.Builder b = ListModelsResponse.newBuilder();
            inference.models().forEach(m -> b.addModels(InferenceMapper.model(m)));
            inference.engines().forEach(e -> b.addEngines(InferenceMapper.engine(e)));
            response.onNext(b.build());
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of(e, "listing models failed"));
        }
    }

    @Override
    public void embed(
            ai.hanzo.node.proto.v1.EmbedRequest request, StreamObserver<EmbedResponse> response) {
        answer(
                response,
                () ->
                        inference.embed(
                                new EmbedRequest(
                                        request.getModel(),
                                        request.getInputsList(),
                                        InferenceMapper.truncation(request.getTruncate()),
                                        deadline())),
                result -> {
                    EmbedResponse.Builder b =
                            EmbedResponse.newBuilder()
                                    .setModel(result.modelId())
                                    .setTimings(InferenceMapper.timings(result.timings()));
                    for (ai.hanzo.node.api.inference.Embedding e : result.embeddings()) {
                        Embedding.Builder eb =
                                Embedding.newBuilder()
                                        .setTokens(e.tokens())
                                        .setTruncated(e.truncated());
                        for (float v : e.values()) {
                            eb.addValues(v);
                        }
                        b.addEmbeddings(eb);
                    }
                    return b.build();
                },
                "embedding failed");
    }

    @Override
    public void loadModel(LoadModelRequest request, StreamObserver<LoadModelResponse> response) {
        answer(
                response,
                () -> inference.load(InferenceMapper.source(request)),
                info ->
                        LoadModelResponse.newBuilder()
                                .setModel(InferenceMapper.model(info))
                                .build(),
                "loading the model failed");
    }

    @Override
    public void unloadModel(
            UnloadModelRequest request, StreamObserver<UnloadModelResponse> response) {
        answer(
                response,
                () -> inference.unload(request.getId()),
                ignored -> UnloadModelResponse.getDefaultInstance(),
                "unloading the model failed");
    }

    @Override
    public void infer(
            ai.hanzo.node.proto.v1.InferRequest request, StreamObserver<InferResponse> response) {
        answer(
                response,
                () -> inference.infer(apiRequest(request)),
                result -> {
                    InferResponse.Builder b =
                            InferResponse.newBuilder()
                                    .setModel(result.modelId())
                                    .setRequestId(request.getRequestId())
                                    .setTimings(InferenceMapper.timings(result.timings()));
                    result.outputs().forEach(o -> b.addOutputs(InferenceMapper.item(o)));
                    return b.build();
                },
                "inference failed");
    }

    /** Each item runs as its own request (batched with everyone else's) and is sent when done. */
    @Override
    public void inferStream(
            ai.hanzo.node.proto.v1.InferRequest request,
            StreamObserver<InferStreamResponse> response) {
        List<CompletableFuture<?>> running = new ArrayList<>();
        AtomicBoolean finished = new AtomicBoolean();
        try {
            requireAcceptingWork();
            InferRequest all = apiRequest(request);
            AtomicInteger left = new AtomicInteger(all.batch().size());
            Instant deadline = all.deadline();
            for (int i = 0; i < all.batch().size(); i++) {
                int index = i;
                CompletableFuture<?> item =
                        inference
                                .infer(
                                        new InferRequest(
                                                all.modelId(),
                                                List.of(all.batch().get(i)),
                                                deadline))
                                .toCompletableFuture()
                                .whenComplete(
                                        (result, failure) -> {
                                            synchronized (response) {
                                                if (finished.get()) {
                                                    return;
                                                }
                                                if (failure != null) {
                                                    finished.set(true);
                                                    running.forEach(f -> f.cancel(false));
                                                    response.onError(
                                                            ErrorStatus.of(
                                                                    failure, "inference failed"));
                                                    return;
                                                }
                                                response.onNext(
                                                        InferStreamResponse.newBuilder()
                                                                .setIndex(index)
                                                                .setRequestId(
                                                                        request.getRequestId())
                                                                .setOutput(
                                                                        InferenceMapper.item(
                                                                                result.outputs()
                                                                                        .get(0)))
                                                                .setTimings(
                                                                        InferenceMapper.timings(
                                                                                result.timings()))
                                                                .build());
                                                if (left.decrementAndGet() == 0) {
                                                    finished.set(true);
                                                    response.onCompleted();
                                                }
                                            }
                                        });
                running.add(item);
            }
            onCancel(response, () -> running.forEach(f -> f.cancel(false)));
        } catch (RuntimeException e) {
            synchronized (response) {
                if (finished.compareAndSet(false, true)) {
                    running.forEach(f -> f.cancel(false));
                    response.onError(ErrorStatus.of(e, "inference failed"));
                }
            }
        }
    }

    @Override
    public void tokenize(TokenizeRequest request, StreamObserver<TokenizeResponse> response) {
        answer(
                response,
                () ->
                        inference.tokenize(
                                request.getModel(),
                                request.getInputsList(),
                                InferenceMapper.truncation(request.getTruncate())),
                texts -> {
                    TokenizeResponse.Builder b = TokenizeResponse.newBuilder();
                    for (TokenizedText text : texts) {
                        Builder tb =
                                ai.hanzo.node.proto.v1.TokenizedText.newBuilder()
                                        .addAllTokens(text.tokens())
                                        .setTruncated(text.truncated());
                        for (long id : text.ids()) {
                            tb.addIds(id);
                        }
                        b.addTexts(tb);
                    }
                    return b.build();
                },
                "tokenizing failed");
    }

    @Override
    public void similarity(SimilarityRequest request, StreamObserver<SimilarityResponse> response) {
        answer(
                response,
                () -> {
                    if (request.getSentencesCount() == 0) {
                        throw new InvalidArgumentException("no sentences to compare with");
                    }
                    return embedWith(
                            request.getModel(),
                            request.getSource(),
                            request.getSentencesList(),
                            request.getTruncate());
                },
                result -> {
                    SimilarityResponse.Builder b =
                            SimilarityResponse.newBuilder()
                                    .setTimings(InferenceMapper.timings(result.timings()));
                    scores(result).forEach(b::addScores);
                    return b.build();
                },
                "similarity failed");
    }

    @Override
    public void rerank(RerankRequest request, StreamObserver<RerankResponse> response) {
        answer(
                response,
                () -> {
                    if (request.getDocumentsCount() == 0) {
                        throw new InvalidArgumentException("no documents to rank");
                    }
                    return embedWith(
                            request.getModel(),
                            request.getQuery(),
                            request.getDocumentsList(),
                            request.getTruncate());
                },
                result -> {
                    List<Float> scores = scores(result);
                    List<Integer> order = new ArrayList<>();
                    for (int i = 0; i < scores.size(); i++) {
                        order.add(i);
                    }
                    order.sort(Comparator.comparing((Integer i) -> scores.get(i)).reversed());
                    int keep =
                            request.getTopK() == 0
                                    ? order.size()
                                    : Math.min(order.size(), request.getTopK());
                    RerankResponse.Builder b =
                            RerankResponse.newBuilder()
                                    .setTimings(InferenceMapper.timings(result.timings()));
                    for (int i : order.subList(0, keep)) {
                        RerankResult.Builder rb =
                                RerankResult.newBuilder().setIndex(i).setScore(scores.get(i));
                        if (request.getReturnDocuments()) {
                            rb.setDocument(request.getDocuments(i));
                        }
                        b.addResults(rb);
                    }
                    return b.build();
                },
                "reranking failed");
    }

    /** Cosine of the first embedding with each of the others (all are normalised). */
    private static List<Float> scores(EmbedResult result) {
        List<ai.hanzo.node.api.inference.Embedding> all = result.embeddings();
        ai.hanzo.node.api.inference.Embedding first = all.get(0);
        List<Float> scores = new ArrayList<>();
        for (int i = 1; i < all.size(); i++) {
            scores.add((float) first.cosine(all.get(i)));
        }
        return scores;
    }

    private InferRequest apiRequest(ai.hanzo.node.proto.v1.InferRequest request) {
        List<Map<String, Tensor>> batch = new ArrayList<>();
        for (int i = 0; i < request.getBatchCount(); i++) {
            batch.add(InferenceMapper.item(request.getBatch(i), i));
        }
        return new InferRequest(request.getModel(), batch, deadline());
    }

    private void requireAcceptingWork() {
        if (!lifecycle.state().acceptsWork()) {
            throw new FailedPreconditionException("node is draining");
        }
    }

    /** The caller's gRPC deadline, if it set one. */
    /** Embeds {@code first} and {@code others} in one request, {@code first} at index 0. */
    private CompletionStage<EmbedResult> embedWith(
            String model, String first, List<String> others, Truncate truncate) {
        List<String> texts = new ArrayList<>(others.size() + 1);
        texts.add(first);
        texts.addAll(others);
        return inference.embed(
                new EmbedRequest(model, texts, InferenceMapper.truncation(truncate), deadline()));
    }

    private static Instant deadline() {
        Deadline deadline = Context.current().getDeadline();
        return deadline == null
                ? null
                : Instant.now().plusNanos(deadline.timeRemaining(TimeUnit.NANOSECONDS));
    }

    private static void onCancel(StreamObserver<?> response, Runnable action) {
        if (response instanceof ServerCallStreamObserver<?> call) {
            call.setOnCancelHandler(action);
        }
    }

    /** Starts the api call, answers from its stage, and cancels it if the caller goes away. */
    private <T, R> void answer(
            StreamObserver<R> response,
            java.util.function.Supplier<CompletionStage<T>> call,
            Function<T, R> map,
            String what) {
        CompletableFuture<T> future;
        try {
            requireAcceptingWork();
            future = call.get().toCompletableFuture();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of(e, what));
            return;
        }
        onCancel(response, () -> future.cancel(false));
        future.whenComplete(
                (value, failure) -> {
                    if (future.isCancelled()) {
                        return; // the caller left; nobody to answer
                    }
                    if (failure != null) {
                        response.onError(ErrorStatus.of(failure, what));
                        return;
                    }
                    try {
                        response.onNext(map.apply(value));
                        response.onCompleted();
                    } catch (RuntimeException e) {
                        response.onError(ErrorStatus.of(e, what));
                    }
                });
    }
}
