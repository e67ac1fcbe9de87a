package ai.hanzo.node.runtime.docker.internal;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.ErrorCode;
import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.runtime.ContainerEvent;
import ai.hanzo.node.api.runtime.ContainerEventType;
import ai.hanzo.node.api.runtime.ContainerHealth;
import ai.hanzo.node.api.runtime.ContainerRuntime;
import ai.hanzo.node.api.runtime.ContainerSpec;
import ai.hanzo.node.api.runtime.ContainerStats;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.runtime.ExecOutput;
import ai.hanzo.node.api.runtime.ExecSession;
import ai.hanzo.node.api.runtime.ExecSpec;
import ai.hanzo.node.api.runtime.LimitKind;
import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.LogOptions;
import ai.hanzo.node.api.runtime.LogStream;
import ai.hanzo.node.api.runtime.PullProgress;
import ai.hanzo.node.api.runtime.RegistryAuth;
import ai.hanzo.node.api.runtime.RuntimeCapabilities;
import ai.hanzo.node.api.runtime.StreamSink;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.command.LogContainerCmd;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.LoadResponseItem;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.ResponseItem;
import com.github.dockerjava.api.model.StatisticNetworksConfig;
import com.github.dockerjava.api.model.Statistics;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code docker} runtime: containers on a Docker engine through its HTTP API (docker-java with
 * the httpclient5 transport). Registered whether or not the engine answers; {@link #selfTest()}
 * says which, and why not.
 */
// immediate: one instance (one connection pool) for the bundle's life, not one per consumer
@Component(
        service = ContainerRuntime.class,
        immediate = true,
        configurationPid = "ai.hanzo.node.docker",
        property = ContainerRuntime.NAME_PROPERTY + "=docker")
@Designate(ocd = DockerRuntimeConfig.class)
public final class DockerContainerRuntime implements ContainerRuntime, AutoCloseable {
    /** The runtime's name, also the value of {@link ContainerRuntime#NAME_PROPERTY}. */
    static final String NAME = "docker";

    // attributes of container events that are the engine's, not labels
    private static final Set<String> EVENT_ATTRIBUTES =
            Set.of("name", "image", "exitCode", "signal", "execID", "execDuration");
    private static final Duration INFO_TTL = Duration.ofSeconds(30);

    private final Logger logger = LoggerFactory.getLogger(DockerContainerRuntime.class);
    private final DockerSettings settings;
    private final EngineErrors errors;
    // the engine connections, made on first use: building docker-java's clients and their HTTP
    // pools costs tens of milliseconds of class loading, which kept the node's serial start-level
    // thread busy on every start, also on hosts without Docker; null until then and after close
    private final Object clientsLock = new Object();
    private volatile EngineClients clients;
    private boolean closed;
    // one reader per exec session, blocked for the command's whole life: not for the node's bounded
    // worker pool (docker-java's own stream readers are threads of their own in the same way)
    private final ExecutorService execReaders;
    // starts after an exit, per container, as seen by this node process (the engine counts only
    // its own policy restarts, and this runtime never asks it to restart)
    private final Map<String, AtomicInteger> restarts = new ConcurrentHashMap<>();
    private final AtomicReference<CachedInfo> info = new AtomicReference<>();
    // follows, watches and pulls not yet ended
    private final Set<SinkCallback<?, ?>> openStreams = ConcurrentHashMap.newKeySet();

    private record CachedInfo(Instant at, JsonNode info) {}

    // Jackson's ObjectMapper set up when /info is first read, not when the runtime starts
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    /**
     * @param api ordinary calls, bounded by the api timeout
     * @param apiHttp the same pool, for the few engine fields docker-java does not model
     * @param streams stops, log follows, event watches, pulls and loads: these may rightly be
     *     silent for long
     * @param probe the self-test: must answer within seconds whatever the engine does
     */
    private record EngineClients(
            DockerClient api, DockerHttpClient apiHttp, DockerClient streams, DockerClient probe) {}

    /**
     * @param config the settings, PID {@code ai.hanzo.node.docker}
     */
    @Activate
    public DockerContainerRuntime(DockerRuntimeConfig config) {
        this(DockerSettings.from(config));
    }

    /**
     * @param settings checked settings
     */
    DockerContainerRuntime(DockerSettings settings) {
        this.settings = settings;
        this.errors = new EngineErrors(settings.where());
        AtomicInteger n = new AtomicInteger();
        this.execReaders =
                Executors.newCachedThreadPool(
                        r -> {
                            Thread t = new Thread(r, "hanzo-docker-exec-" + n.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
        logger.info("Docker runtime for the engine at {}", settings.where());
    }

    private EngineClients clients() {
        EngineClients c = clients;
        if (c != null) {
            return c;
        }
        synchronized (clientsLock) {
            if (closed) {
                throw new NodeException(
                        ErrorCode.UNAVAILABLE,
                        "the docker runtime was stopped (bundle stopped or reconfigured)");
            }
            if (clients == null) {
                DockerHttpClient apiHttp =
                        http(settings, settings.apiTimeout(), settings.maxConnections());
                clients =
                        new EngineClients(
                                client(settings, apiHttp),
                                apiHttp,
                                client(settings, http(settings, null, settings.maxConnections())),
                                client(settings, http(settings, Duration.ofSeconds(3), 2)));
            }
            return clients;
        }
    }

    private DockerClient api() {
        return clients().api();
    }

    private DockerHttpClient apiHttp() {
        return clients().apiHttp();
    }

    private DockerClient streams() {
        return clients().streams();
    }

    private DockerClient probe() {
        return clients().probe();
    }

    private static DockerClient client(DockerSettings s, DockerHttpClient http) {
        DefaultDockerClientConfig config =
                new DefaultDockerClientConfig.Builder()
                        .withDockerHost(s.host().toString())
                        .withDockerTlsVerify(false)
                        .build();
        return DockerClientImpl.getInstance(config, http);
    }

    private static DockerHttpClient http(DockerSettings s, Duration responseTimeout, int max) {
        ApacheDockerHttpClient.Builder http =
                new ApacheDockerHttpClient.Builder()
                        .dockerHost(s.host())
                        .maxConnections(max)
                        .connectionTimeout(
                                responseTimeout != null
                                                && responseTimeout.compareTo(s.connectTimeout()) < 0
                                        ? responseTimeout
                                        : s.connectTimeout());
        if (responseTimeout != null) {
            http.responseTimeout(responseTimeout);
        }
        return http.build();
    }

    /**
     * Tracks a stream until it ends, so that {@link #close()} can end it with a clear reason, and
     * starts it.
     */
    private <I, O> SinkCallback<I, O> open(SinkCallback<I, O> callback, Runnable start) {
        openStreams.add(callback);
        callback.onFinish(() -> openStreams.remove(callback));
        start.run();
        return callback;
    }

    /** Ends the open streams, closes the engine connections and ends every exec reader. */
    @Deactivate
    @Override
    public void close() {
        NodeException stopped =
                new NodeException(
                        ErrorCode.UNAVAILABLE,
                        "the docker runtime was stopped (bundle stopped or reconfigured)");
        for (SinkCallback<?, ?> stream : List.copyOf(openStreams)) {
            stream.fail(stopped);
        }
        execReaders.shutdownNow();
        EngineClients open;
        synchronized (clientsLock) {
            closed = true;
            open = clients;
            clients = null;
        }
        if (open == null) {
            return;
        }
        for (DockerClient c : List.of(open.api(), open.streams(), open.probe())) {
            try {
                c.close();
            } catch (IOException e) {
                logger.debug("closing a docker client: {}", e.toString());
            }
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Availability selfTest() {
        if (settings.host().getScheme().equals("unix")
                && !Files.exists(Path.of(settings.host().getPath()))) {
            return Availability.unavailable(
                    "no Docker socket at "
                            + settings.host().getPath()
                            + " (set host in etc/ai.hanzo.node.docker.cfg)");
        }
        try {
            probe().pingCmd().exec();
            return Availability.ok();
        } catch (RuntimeException e) {
            return Availability.unavailable(
                    "the Docker engine at "
                            + settings.where()
                            + " does not answer: "
                            + EngineErrors.rootText(e));
        }
    }

    /** The engine's {@code /info}, read raw: docker-java's model lacks {@code PidsLimit}. */
    private JsonNode engineInfo() {
        CachedInfo c = info.get();
        if (c != null && c.at().plus(INFO_TTL).isAfter(Instant.now())) {
            return c.info();
        }
        DockerHttpClient.Request request =
                DockerHttpClient.Request.builder()
                        .method(DockerHttpClient.Request.Method.GET)
                        .path("/info")
                        .build();
        try (DockerHttpClient.Response response = apiHttp().execute(request);
                InputStream body = response.getBody()) {
            if (response.getStatusCode() != 200) {
                throw new NodeException(
                        ErrorCode.UNAVAILABLE,
                        "read the engine's info: HTTP " + response.getStatusCode());
            }
            JsonNode i = Json.MAPPER.readTree(body);
            info.set(new CachedInfo(Instant.now(), i));
            return i;
        } catch (IOException | RuntimeException e) {
            throw errors.map("read the engine's info", e);
        }
    }

    @Override
    public RuntimeCapabilities capabilities() {
        JsonNode i;
        try {
            i = engineInfo();
        } catch (NodeException e) {
            return RuntimeCapabilities.none();
        }
        List<String> caps = new ArrayList<>();
        if (i.hasNonNull("Architecture")) {
            caps.add("docker:arch:" + i.get("Architecture").asText());
        }
        if (hasNvidia(i)) {
            caps.add("docker:gpu:nvidia");
        }
        return new RuntimeCapabilities(caps, List.of());
    }

    private static boolean hasNvidia(JsonNode i) {
        return i.path("Runtimes").has("nvidia");
    }

    @Override
    public Map<LimitKind, String> unenforceableLimits() {
        JsonNode i;
        try {
            i = engineInfo();
        } catch (NodeException e) {
            Map<LimitKind, String> all = new EnumMap<>(LimitKind.class);
            for (LimitKind k : LimitKind.values()) {
                all.put(k, "the Docker engine cannot be asked: " + e.getMessage());
            }
            return all;
        }
        Map<LimitKind, String> out = new EnumMap<>(LimitKind.class);
        if (!i.path("MemoryLimit").asBoolean(false)) {
            out.put(LimitKind.MEMORY, "the engine reports no memory cgroup (MemoryLimit false)");
        }
        if (!i.path("CpuCfsQuota").asBoolean(false)) {
            out.put(LimitKind.CPU, "the engine reports no CFS quota (CpuCfsQuota false)");
        }
        if (!i.path("PidsLimit").asBoolean(false)) {
            out.put(LimitKind.PIDS, "the engine reports no pids cgroup (PidsLimit false)");
        }
        if (!hasNvidia(i)) {
            out.put(
                    LimitKind.DEVICES,
                    "no GPU runtime (nvidia-container-toolkit) is registered with the engine");
        }
        return Map.copyOf(out);
    }

    // --- images

    @Override
    public boolean imagePresent(String image) {
        String ref = resolveImage(image);
        try {
            api().inspectImageCmd(ref).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        } catch (RuntimeException e) {
            throw errors.map("look up image " + ref, e);
        }
    }

    /**
     * The reference the engine knows the image by. One that names no registry is taken as given
     * when the engine has it under that name (an image loaded from an archive), else with the
     * configured registry in front, where a pull would put it.
     */
    String resolveImage(String image) {
        ImageReference ref = ImageReference.parse(image, settings.registry());
        String given = image.trim();
        if (ref.registry().isEmpty() || given.startsWith(ref.registry() + "/")) {
            return given;
        }
        try {
            api().inspectImageCmd(given).exec();
            return given;
        } catch (NotFoundException e) {
            return ref.canonical();
        } catch (RuntimeException e) {
            throw errors.map("look up image " + given, e);
        }
    }

    @Override
    public Subscription pullImage(
            String image, Optional<RegistryAuth> auth, StreamSink<PullProgress> progress) {
        ImageReference ref = ImageReference.parse(image, settings.registry());
        Optional<RegistryAuth> credentials =
                auth.isPresent()
                        ? auth
                        : settings.registryAuth().filter(a -> a.registry().equals(ref.registry()));
        String what = "pull image " + ref.canonical();
        SinkCallback<PullResponseItem, PullProgress> callback =
                new SinkCallback<>(
                        progress,
                        item -> {
                            failOnError(item, what);
                            return List.of(progress(item));
                        },
                        e -> errors.map(what, e)) {
                    @Override
                    void beforeComplete() {
                        // the engine ends a failed pull's stream normally after an error item
                        if (!imagePresent(ref.canonical())) {
                            throw new NodeException(
                                    ErrorCode.NOT_FOUND,
                                    what + ": the pull ended but the image is not present");
                        }
                    }
                };
        var cmd = streams().pullImageCmd(ref.repository()).withTag(ref.tag());
        credentials.ifPresent(
                a ->
                        cmd.withAuthConfig(
                                new AuthConfig()
                                        .withRegistryAddress(a.registry())
                                        .withUsername(a.username().isEmpty() ? null : a.username())
                                        .withPassword(a.username().isEmpty() ? null : a.secret())
                                        .withIdentityToken(
                                                a.username().isEmpty() ? a.secret() : null)));
        logger.info("Pulling {}", ref.canonical());
        return open(callback, () -> cmd.exec(callback));
    }

    private static void failOnError(ResponseItem item, String what) {
        if (item.isErrorIndicated()) {
            String message = errorText(item);
            ErrorCode code =
                    message != null
                                    && (message.contains("not found")
                                            || message.contains("manifest unknown")
                                            || message.contains("does not exist"))
                            ? ErrorCode.NOT_FOUND
                            : ErrorCode.UNAVAILABLE;
            throw new NodeException(code, what + ": " + message);
        }
    }

    private static String errorText(ResponseItem item) {
        return item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null
                ? item.getErrorDetail().getMessage()
                : "the engine reported an error without a message";
    }

    private static PullProgress progress(PullResponseItem item) {
        long current = 0;
        long total = 0;
        if (item.getProgressDetail() != null) {
            current =
                    item.getProgressDetail().getCurrent() == null
                            ? 0
                            : item.getProgressDetail().getCurrent();
            total =
                    item.getProgressDetail().getTotal() == null
                            ? 0
                            : item.getProgressDetail().getTotal();
        }
        return new PullProgress(
                item.getId() == null ? "" : item.getId(),
                item.getStatus() == null ? "" : item.getStatus(),
                current,
                total);
    }

    @Override
    public List<String> loadImages(InputStream archive) {
        List<String> loaded = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        ResultCallback.Adapter<LoadResponseItem> callback =
                new ResultCallback.Adapter<>() {
                    @Override
                    public void onNext(LoadResponseItem item) {
                        if (item.isErrorIndicated()) {
                            failure.compareAndSet(
                                    null,
                                    new InvalidArgumentException(
                                            "load images: the engine refused the archive: "
                                                    + errorText(item)));
                        } else if (item.getStream() != null) {
                            String s = item.getStream().trim();
                            for (String prefix : List.of("Loaded image: ", "Loaded image ID: ")) {
                                if (s.startsWith(prefix)) {
                                    loaded.add(s.substring(prefix.length()).trim());
                                }
                            }
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        failure.compareAndSet(null, t);
                        done.countDown();
                    }

                    @Override
                    public void onComplete() {
                        done.countDown();
                    }
                };
        streams().loadImageAsyncCmd(archive).exec(callback);
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(callback);
            throw new NodeException(ErrorCode.INTERNAL, "load images: interrupted", e);
        } finally {
            closeQuietly(callback);
        }
        Throwable f = failure.get();
        if (f != null) {
            throw errors.map("load images", f);
        }
        if (loaded.isEmpty()) {
            throw new InvalidArgumentException(
                    "load images: the archive held no image (is it a `docker save` archive?)");
        }
        logger.info("Loaded images {}", loaded);
        return List.copyOf(loaded);
    }

    private void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            logger.debug("closing a docker stream: {}", e.toString());
        }
    }

    // --- containers

    @Override
    public String create(ContainerSpec spec) {
        String image = resolveImage(spec.image());
        String what = "create container " + spec.name();
        // checked first: the engine accepts an unknown network for a created container and fails
        // only at its start
        List<String> networks =
                spec.networks().isEmpty() && !settings.network().isBlank()
                        ? List.of(settings.network())
                        : spec.networks();
        for (String network : networks) {
            try {
                api().inspectNetworkCmd().withNetworkId(network).exec();
            } catch (NotFoundException e) {
                throw new NodeException(
                        ErrorCode.NOT_FOUND,
                        what + ": network " + network + " does not exist on the Docker engine",
                        e);
            } catch (RuntimeException e) {
                throw errors.map(what + ": look up network " + network, e);
            }
        }
        CreateContainerResponse created;
        try {
            created =
                    ContainerMapping.fill(
                                    api().createContainerCmd(image),
                                    spec,
                                    image,
                                    settings.network())
                            .exec();
        } catch (NotFoundException e) {
            String m = EngineErrors.engineMessage(e);
            if (m.contains("No such image")) {
                throw new NodeException(
                        ErrorCode.NOT_FOUND,
                        what
                                + ": image "
                                + image
                                + " is not on the Docker engine: pull or load it first",
                        e);
            }
            throw errors.map(what, e);
        } catch (ConflictException e) {
            throw new NodeException(
                    ErrorCode.ALREADY_EXISTS,
                    what + ": a container with that name exists already",
                    e);
        } catch (RuntimeException e) {
            throw errors.map(what, e);
        }
        String id = created.getId();
        // further networks are joined before the start; a failure leaves nothing behind
        for (String network : spec.networks().stream().skip(1).toList()) {
            try {
                api().connectToNetworkCmd().withContainerId(id).withNetworkId(network).exec();
            } catch (RuntimeException e) {
                removeQuietly(id);
                throw errors.map(what + ": join network " + network, e);
            }
        }
        logger.info("Created container {} ({}) from {}", spec.name(), shortId(id), image);
        return id;
    }

    private void removeQuietly(String id) {
        try {
            api().removeContainerCmd(id).withForce(true).exec();
        } catch (RuntimeException e) {
            logger.warn(
                    "Could not remove half-created container {}: {}", shortId(id), e.getMessage());
        }
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    @Override
    public void start(String containerId) {
        InspectContainerResponse before = inspectRaw(containerId);
        boolean ranBefore =
                ContainerMapping.time(
                                before.getState() == null ? null : before.getState().getStartedAt())
                        .isPresent();
        try {
            api().startContainerCmd(containerId).exec();
        } catch (NotModifiedException e) {
            return; // running already
        } catch (RuntimeException e) {
            throw errors.map("start container " + containerId, e);
        }
        if (ranBefore) {
            restarts.computeIfAbsent(before.getId(), k -> new AtomicInteger()).incrementAndGet();
        }
    }

    @Override
    public void stop(String containerId, Duration grace) {
        long seconds = Math.max(0, (grace.toMillis() + 999) / 1000);
        try {
            streams()
                    .stopContainerCmd(containerId)
                    .withTimeout((int) Math.min(seconds, Integer.MAX_VALUE))
                    .exec();
        } catch (NotModifiedException e) {
            // not running: nothing to stop
        } catch (RuntimeException e) {
            throw errors.map("stop container " + containerId, e);
        }
    }

    @Override
    public void remove(String containerId, boolean force) {
        try {
            api().removeContainerCmd(containerId).withForce(force).exec();
            restarts.remove(containerId);
        } catch (ConflictException e) {
            throw new FailedPreconditionException(
                    "remove container "
                            + containerId
                            + ": "
                            + EngineErrors.engineMessage(e)
                            + " (stop it first, or remove with force)");
        } catch (RuntimeException e) {
            throw errors.map("remove container " + containerId, e);
        }
    }

    private InspectContainerResponse inspectRaw(String containerId) {
        if (containerId == null || containerId.isBlank()) {
            throw new InvalidArgumentException("container id is empty");
        }
        try {
            return api().inspectContainerCmd(containerId).exec();
        } catch (NotFoundException e) {
            throw new NodeException(
                    ErrorCode.NOT_FOUND,
                    "no container " + containerId + " on the Docker engine at " + settings.where(),
                    e);
        } catch (RuntimeException e) {
            throw errors.map("inspect container " + containerId, e);
        }
    }

    @Override
    public ContainerStatus inspect(String containerId) {
        InspectContainerResponse r = inspectRaw(containerId);
        AtomicInteger n = restarts.get(r.getId());
        return ContainerMapping.status(r, n == null ? 0 : n.get());
    }

    @Override
    public List<ContainerStatus> list(Map<String, String> labelFilters) {
        List<Container> found;
        try {
            var cmd = api().listContainersCmd().withShowAll(true);
            if (!labelFilters.isEmpty()) {
                cmd.withLabelFilter(labelFilters);
            }
            found = cmd.exec();
        } catch (RuntimeException e) {
            throw errors.map("list containers", e);
        }
        List<ContainerStatus> out = new ArrayList<>();
        for (Container c : found) {
            try {
                out.add(inspect(c.getId()));
            } catch (NodeException e) {
                if (e.code() != ErrorCode.NOT_FOUND) {
                    throw e;
                }
                // removed between the list and the inspect
            }
        }
        return List.copyOf(out);
    }

    @Override
    public Subscription watch(Map<String, String> labelFilters, StreamSink<ContainerEvent> sink) {
        Map<String, ContainerHealth> lastHealth = new ConcurrentHashMap<>();
        SinkCallback<Event, ContainerEvent> callback =
                new SinkCallback<>(
                        sink,
                        event -> containerEvent(event, lastHealth),
                        e -> errors.map("watch container events", e));
        var cmd = streams().eventsCmd().withEventTypeFilter(EventType.CONTAINER);
        if (!labelFilters.isEmpty()) {
            cmd.withLabelFilter(labelFilters);
        }
        return open(callback, () -> cmd.exec(callback));
    }

    private static List<ContainerEvent> containerEvent(
            Event e, Map<String, ContainerHealth> lastHealth) {
        String action = e.getAction() != null ? e.getAction() : e.getStatus();
        String id = e.getActor() != null ? e.getActor().getId() : e.getId();
        if (action == null || id == null) {
            return List.of();
        }
        Map<String, String> attributes =
                e.getActor() != null && e.getActor().getAttributes() != null
                        ? e.getActor().getAttributes()
                        : Map.of();
        ContainerEventType type;
        Optional<Integer> exit = Optional.empty();
        String verb = action.contains(":") ? action.substring(0, action.indexOf(':')) : action;
        switch (verb) {
            case "create" -> type = ContainerEventType.CREATED;
            case "start" -> type = ContainerEventType.STARTED;
            case "die" -> {
                type = ContainerEventType.DIED;
                try {
                    exit = Optional.of(Integer.parseInt(attributes.getOrDefault("exitCode", "")));
                } catch (NumberFormatException ex) {
                    exit = Optional.empty();
                }
            }
            case "oom" -> type = ContainerEventType.OOM;
            case "health_status" -> {
                type = ContainerEventType.HEALTH;
                lastHealth.put(
                        id, ContainerMapping.health(action.substring(action.indexOf(':') + 1)));
            }
            case "destroy" -> type = ContainerEventType.REMOVED;
            default -> {
                return List.of();
            }
        }
        ContainerHealth health = lastHealth.getOrDefault(id, ContainerHealth.NONE);
        if (type == ContainerEventType.REMOVED) {
            lastHealth.remove(id);
        }
        Map<String, String> labels = new HashMap<>(attributes);
        labels.keySet().removeAll(EVENT_ATTRIBUTES);
        Instant at =
                e.getTimeNano() != null
                        ? Instant.ofEpochSecond(0, e.getTimeNano())
                        : Instant.ofEpochSecond(e.getTime() == null ? 0 : e.getTime());
        return List.of(new ContainerEvent(at, id, type, exit, health, labels));
    }

    @Override
    public Subscription logs(String containerId, LogOptions options, StreamSink<LogLine> sink) {
        InspectContainerResponse r = inspectRaw(containerId);
        String id = r.getId();
        boolean tty = r.getConfig() != null && Boolean.TRUE.equals(r.getConfig().getTty());
        LogFrames frames = new LogFrames(id, options.since().orElse(null));
        LogContainerCmd cmd =
                streams()
                        .logContainerCmd(id)
                        .withStdOut(true)
                        .withStdErr(true)
                        .withTimestamps(true)
                        .withFollowStream(options.follow());
        if (options.tail() > 0) {
            cmd.withTail(options.tail());
        } else {
            cmd.withTailAll();
        }
        options.since().ifPresent(s -> cmd.withSince((int) s.getEpochSecond()));
        SinkCallback<Frame, LogLine> callback =
                new SinkCallback<>(
                        sink,
                        frame -> frames.lines(frame, tty),
                        e -> errors.map("logs of container " + id, e)) {
                    @Override
                    void beforeComplete() {
                        for (LogLine l : frames.flush()) {
                            try {
                                sink.next(l);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                throw new NodeException(ErrorCode.INTERNAL, "interrupted", e);
                            }
                        }
                    }
                };
        return open(callback, () -> cmd.exec(callback));
    }

    /** Splits the engine's log frames into lines, joining the parts of long lines. */
    static final class LogFrames {
        private final String containerId;
        private final Instant since;
        private final Map<LogStream, StringBuilder> partial = new EnumMap<>(LogStream.class);
        private final Map<LogStream, Instant> partialAt = new EnumMap<>(LogStream.class);

        LogFrames(String containerId, Instant since) {
            this.containerId = containerId;
            this.since = since;
        }

        List<LogLine> lines(Frame frame, boolean tty) {
            LogStream stream =
                    switch (frame.getStreamType()) {
                        case STDERR -> LogStream.STDERR;
                        default -> LogStream.STDOUT;
                    };
            String text = new String(frame.getPayload(), StandardCharsets.UTF_8);
            List<LogLine> out = new ArrayList<>();
            // each frame starts with its RFC 3339 timestamp and a space (withTimestamps)
            for (String piece : text.split("(?<=\n)")) {
                if (piece.isEmpty()) {
                    continue;
                }
                Instant at = Instant.now();
                String message = piece;
                int space = piece.indexOf(' ');
                if (space > 0) {
                    try {
                        at = Instant.parse(piece.substring(0, space));
                        message = piece.substring(space + 1);
                    } catch (DateTimeParseException e) {
                        // a continuation without a timestamp (a tty's raw output)
                    }
                }
                StringBuilder held = partial.computeIfAbsent(stream, k -> new StringBuilder());
                if (held.length() == 0) {
                    partialAt.put(stream, at);
                }
                held.append(message);
                if (message.endsWith("\n") || tty) {
                    String line = stripEol(held.toString());
                    Instant lineAt = partialAt.get(stream);
                    held.setLength(0);
                    if (since == null || !lineAt.isBefore(since)) {
                        out.add(new LogLine(lineAt, containerId, "", stream, line));
                    }
                }
            }
            return out;
        }

        List<LogLine> flush() {
            List<LogLine> out = new ArrayList<>();
            partial.forEach(
                    (stream, held) -> {
                        if (held.length() > 0) {
                            out.add(
                                    new LogLine(
                                            partialAt.get(stream),
                                            containerId,
                                            "",
                                            stream,
                                            stripEol(held.toString())));
                            held.setLength(0);
                        }
                    });
            return out;
        }

        private static String stripEol(String s) {
            int end = s.length();
            while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
                end--;
            }
            return s.substring(0, end);
        }
    }

    @Override
    public ExecSession exec(String containerId, ExecSpec spec, StreamSink<ExecOutput> output) {
        if (spec.command().isEmpty()) {
            throw new InvalidArgumentException("exec command is empty");
        }
        InspectContainerResponse r = inspectRaw(containerId);
        if (r.getState() == null || !Boolean.TRUE.equals(r.getState().getRunning())) {
            throw new FailedPreconditionException(
                    "exec in container " + containerId + ": it is not running");
        }
        String execId;
        try {
            var cmd =
                    api().execCreateCmd(r.getId())
                            .withCmd(spec.command().toArray(String[]::new))
                            .withAttachStdout(true)
                            .withAttachStderr(true)
                            .withAttachStdin(spec.attachStdin())
                            .withTty(spec.tty());
            if (!spec.environment().isEmpty()) {
                List<String> env = new ArrayList<>();
                spec.environment().forEach((k, v) -> env.add(k + "=" + v));
                cmd.withEnv(env);
            }
            if (!spec.workingDir().isBlank()) {
                cmd.withWorkingDir(spec.workingDir());
            }
            if (!spec.user().isBlank()) {
                cmd.withUser(spec.user());
            }
            execId = cmd.exec().getId();
        } catch (RuntimeException e) {
            throw errors.map("exec in container " + containerId, e);
        }
        HijackedExec session =
                HijackedExec.start(
                        settings.host(),
                        settings.connectTimeout(),
                        execId,
                        spec.attachStdin(),
                        spec.tty(),
                        output,
                        () -> exitCodeOf(execId),
                        this::killExec,
                        size -> resizeExec(execId, size[0], size[1]),
                        execReaders);
        if (spec.tty() && spec.columns() > 0 && spec.rows() > 0) {
            resizeExec(execId, spec.columns(), spec.rows());
        }
        return session;
    }

    /** The exit code; the engine may mark the exec finished a moment after its output ended. */
    private int exitCodeOf(String execId) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long pause = 1;
        while (true) {
            InspectExecResponse r;
            try {
                r = api().inspectExecCmd(execId).exec();
            } catch (RuntimeException e) {
                throw errors.map("exit code of exec " + execId, e);
            }
            if (!Boolean.TRUE.equals(r.isRunning()) && r.getExitCodeLong() != null) {
                return r.getExitCodeLong().intValue();
            }
            if (System.nanoTime() > deadline) {
                throw new NodeException(
                        ErrorCode.DEADLINE_EXCEEDED,
                        "exec " + execId + ": output ended but the engine reports no exit code");
            }
            try {
                TimeUnit.MILLISECONDS.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NodeException(ErrorCode.INTERNAL, "exec " + execId + ": interrupted", e);
            }
            pause = Math.min(pause * 2, 100);
        }
    }

    /**
     * The engine has no call to end an exec: kill its process, which the engine reports with its
     * host pid. Only possible when the engine runs on this machine (a unix socket).
     */
    private void killExec(String execId) {
        try {
            InspectExecResponse r = api().inspectExecCmd(execId).exec();
            Long pid = r.getPidLong();
            if (Boolean.TRUE.equals(r.isRunning()) && pid != null && pid > 0) {
                if (settings.host().getScheme().equals("unix")) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                } else {
                    logger.warn(
                            "exec {} still runs: a remote engine offers no way to end it", execId);
                }
            }
        } catch (RuntimeException e) {
            logger.debug("ending exec {}: {}", execId, e.toString());
        }
    }

    private void resizeExec(String execId, int columns, int rows) {
        try {
            api().resizeExecCmd(execId).withSize(rows, columns).exec();
        } catch (RuntimeException e) {
            throw errors.map("resize exec " + execId, e);
        }
    }

    @Override
    public ContainerStats stats(String containerId) {
        InspectContainerResponse r = inspectRaw(containerId);
        if (r.getState() == null || !Boolean.TRUE.equals(r.getState().getRunning())) {
            throw new FailedPreconditionException(
                    "stats of container " + containerId + ": it is not running");
        }
        AtomicReference<Statistics> first = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        ResultCallback.Adapter<Statistics> callback =
                new ResultCallback.Adapter<>() {
                    @Override
                    public void onNext(Statistics s) {
                        first.compareAndSet(null, s);
                        done.countDown();
                    }

                    @Override
                    public void onError(Throwable t) {
                        failure.compareAndSet(null, t);
                        done.countDown();
                    }

                    @Override
                    public void onComplete() {
                        done.countDown();
                    }
                };
        api().statsCmd(r.getId()).withNoStream(true).exec(callback);
        try {
            if (!done.await(settings.apiTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new NodeException(
                        ErrorCode.DEADLINE_EXCEEDED,
                        "stats of container " + containerId + ": the engine did not answer");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(ErrorCode.INTERNAL, "stats: interrupted", e);
        } finally {
            closeQuietly(callback);
        }
        if (first.get() == null) {
            Throwable f = failure.get();
            throw f != null
                    ? errors.map("stats of container " + containerId, f)
                    : new NodeException(
                            ErrorCode.INTERNAL,
                            "stats of container " + containerId + ": the engine sent none");
        }
        return stats(first.get(), r);
    }

    private static ContainerStats stats(Statistics s, InspectContainerResponse r) {
        double cpu = 0;
        if (s.getCpuStats() != null
                && s.getPreCpuStats() != null
                && s.getCpuStats().getCpuUsage() != null
                && s.getPreCpuStats().getCpuUsage() != null
                && s.getCpuStats().getSystemCpuUsage() != null
                && s.getPreCpuStats().getSystemCpuUsage() != null) {
            long used =
                    nz(s.getCpuStats().getCpuUsage().getTotalUsage())
                            - nz(s.getPreCpuStats().getCpuUsage().getTotalUsage());
            long system =
                    s.getCpuStats().getSystemCpuUsage() - s.getPreCpuStats().getSystemCpuUsage();
            if (used > 0 && system > 0) {
                // the system figure counts every core: the ratio is of the whole node
                cpu = Math.min(1.0, (double) used / system);
            }
        }
        long memory = 0;
        if (s.getMemoryStats() != null) {
            memory = nz(s.getMemoryStats().getUsage());
            if (s.getMemoryStats().getStats() != null) {
                // page cache is reclaimable: report what the container really holds, as docker does
                memory -= nz(s.getMemoryStats().getStats().getCache());
            }
        }
        long limit =
                r.getHostConfig() != null && r.getHostConfig().getMemory() != null
                        ? r.getHostConfig().getMemory()
                        : 0;
        long rx = 0;
        long tx = 0;
        if (s.getNetworks() != null) {
            for (StatisticNetworksConfig n : s.getNetworks().values()) {
                rx += nz(n.getRxBytes());
                tx += nz(n.getTxBytes());
            }
        }
        Instant at = Instant.now();
        if (s.getRead() != null) {
            try {
                at = Instant.parse(s.getRead());
            } catch (DateTimeParseException e) {
                // keep now
            }
        }
        return new ContainerStats(at, cpu, Math.max(0, memory), limit, rx, tx);
    }

    private static long nz(Long v) {
        return v == null ? 0 : v;
    }

    /**
     * @return the engine's address, for messages
     */
    String where() {
        return settings.where();
    }

    @Override
    public String toString() {
        return "docker runtime at " + settings.where();
    }
}
