package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.UnavailableException;
import ai.hanzo.node.api.compute.DeploymentResult;
import ai.hanzo.node.api.compute.LogQuery;
import ai.hanzo.node.api.compute.Orchestrator;
import ai.hanzo.node.api.compute.ScaleResult;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.runtime.ExecOutput;
import ai.hanzo.node.api.runtime.ExecSession;
import ai.hanzo.node.api.runtime.ExecSpec;
import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.LogStream;
import ai.hanzo.node.api.runtime.StreamSink;
import ai.hanzo.node.proto.v1.DeployRequest;
import ai.hanzo.node.proto.v1.DeployResponse;
import ai.hanzo.node.proto.v1.DeploymentStatus;
import ai.hanzo.node.proto.v1.ExecInput;
import ai.hanzo.node.proto.v1.GetLogsRequest;
import ai.hanzo.node.proto.v1.ListContainersRequest;
import ai.hanzo.node.proto.v1.ListContainersResponse;
import ai.hanzo.node.proto.v1.LogEntry;
import ai.hanzo.node.proto.v1.RemoveRequest;
import ai.hanzo.node.proto.v1.RemoveResponse;
import ai.hanzo.node.proto.v1.ScaleRequest;
import ai.hanzo.node.proto.v1.ScaleResponse;
import ai.hanzo.node.proto.v1.StopRequest;
import ai.hanzo.node.proto.v1.StopResponse;
import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The deployment side of NodeService, served by the {@link Orchestrator} when one is registered;
 * without one, those RPCs answer UNAVAILABLE and the status lists no deployments. Streams follow
 * the api's {@link StreamSink} back-pressure: the Orchestrator's producer waits while the gRPC
 * client does not read.
 */
final class DeploymentRpcs {
    static final int LOG_BUFFER = 256;
    static final int EXEC_BUFFER = 64;

    /** The most lines the node puts in one GetLogs message, whatever the client asks. */
    static final int MAX_LINES_PER_MESSAGE = 1024;

    /** A batched GetLogs message takes no further line once its lines reach this size. */
    static final int MAX_BATCH_BYTES = 256 * 1024;

    private final Supplier<Optional<Orchestrator>> orchestrator;
    private final Executor streamSendExecutor;
    private final Executor statusReader;
    private final LongSupplier nanoTime;

    /**
     * @param orchestrator the Orchestrator, when one is registered
     * @param streamSendExecutor where batched GetLogs streams send from
     * @param statusReader where a stale deployment list's successor is read (the call pool)
     */
    DeploymentRpcs(
            Supplier<Optional<Orchestrator>> orchestrator,
            Executor streamSendExecutor,
            Executor statusReader) {
        this(orchestrator, streamSendExecutor, statusReader, System::nanoTime);
    }

    DeploymentRpcs(
            Supplier<Optional<Orchestrator>> orchestrator,
            Executor streamSendExecutor,
            Executor statusReader,
            LongSupplier nanoTime) {
        this.orchestrator = orchestrator;
        this.streamSendExecutor = streamSendExecutor;
        this.statusReader = statusReader;
        this.nanoTime = nanoTime;
    }

    Orchestrator orchestrator() {
        return orchestrator
                .get()
                .orElseThrow(
                        () ->
                                new UnavailableException(
                                        "no Orchestrator is running on this node (the compute"
                                                + " bundle is not started); deployments are not"
                                                + " available"));
    }

    /**
     * How old GetStatus's deployment list may get before a new one is read. Reading it asks every
     * deployment's runtime for its containers (a Docker API call each for Docker), far more than
     * the rest of the call, so callers share one reading. Deploy, Stop, Remove and Scale through
     * this server make the next GetStatus read afresh; other changes (a replica turning ready, a
     * deployment made by another bundle) show within {@link #STATUS_STALE_LIMIT} at most, and
     * within this time plus one reading's duration while calls keep coming.
     */
    static final Duration STATUS_MAX_AGE = Duration.ofMillis(250);

    /**
     * Past {@link #STATUS_MAX_AGE} a caller still gets the last list while its successor is read on
     * the {@code statusReader}, so GetStatus never waits for the Orchestrator in the steady state;
     * a list this old (nobody asked for a while) is not served at all: the caller reads afresh.
     */
    static final Duration STATUS_STALE_LIMIT = Duration.ofSeconds(1);

    /**
     * Up to this age GetStatus may be answered on the transport thread ({@link #statusesAtHand}).
     * It is below {@link #STATUS_STALE_LIMIT} so that the few microseconds between choosing the
     * thread and running the handler never turn an answer at hand into a blocking read there.
     */
    static final Duration STATUS_INLINE_LIMIT = Duration.ofMillis(750);

    private final Object statusReading = new Object();
    private final AtomicLong statusGeneration = new AtomicLong();
    private final AtomicBoolean statusRefreshing = new AtomicBoolean();
    private volatile StatusSnapshot statusSnapshot;

    private record StatusSnapshot(
            Orchestrator source, long generation, long takenNanos, List<DeploymentStatus> list) {}

    /**
     * @return whether {@link #statuses} would answer without asking the Orchestrator: none is
     *     registered, or the last list is of the current one, no change went through this server
     *     since, and it is younger than {@link #STATUS_INLINE_LIMIT}
     */
    boolean statusesAtHand() {
        Optional<Orchestrator> current = orchestrator.get();
        return current.isEmpty() || usableSnapshot(current.get(), STATUS_INLINE_LIMIT) != null;
    }

    /**
     * @return the deployments' statuses (see {@link #STATUS_MAX_AGE}), or none without an
     *     Orchestrator
     */
    List<DeploymentStatus> statuses() {
        Optional<Orchestrator> current = orchestrator.get();
        if (current.isEmpty()) {
            return List.of();
        }
        StatusSnapshot usable = usableSnapshot(current.get(), STATUS_STALE_LIMIT);
        if (usable != null) {
            if (nanoTime.getAsLong() - usable.takenNanos() >= STATUS_MAX_AGE.toNanos()) {
                refreshInBackground(current.get());
            }
            return usable.list();
        }
        // one reader at a time; the others then take what it read
        synchronized (statusReading) {
            usable = usableSnapshot(current.get(), STATUS_MAX_AGE);
            if (usable != null) {
                return usable.list();
            }
            return read(current.get()).list();
        }
    }

    /** Reads the list afresh; callers hold {@code statusReading}, so readings never overlap. */
    private StatusSnapshot read(Orchestrator current) {
        long generation = statusGeneration.get();
        long taken = nanoTime.getAsLong();
        StatusSnapshot read = new StatusSnapshot(current, generation, taken, readStatuses(current));
        statusSnapshot = read;
        return read;
    }

    /** Starts reading a stale list's successor, unless a reading is already under way. */
    private void refreshInBackground(Orchestrator current) {
        if (!statusRefreshing.compareAndSet(false, true)) {
            return;
        }
        try {
            statusReader.execute(
                    () -> {
                        try {
                            synchronized (statusReading) {
                                read(current);
                            }
                        } catch (RuntimeException e) {
                            // the next call past the stale limit reads (and reports) it itself
                        } finally {
                            statusRefreshing.set(false);
                        }
                    });
        } catch (RejectedExecutionException e) {
            // the pool is full: a later call tries again, or reads itself past the stale limit
            statusRefreshing.set(false);
        }
    }

    private StatusSnapshot usableSnapshot(Orchestrator current, Duration maxAge) {
        StatusSnapshot s = statusSnapshot;
        if (s != null
                && s.source() == current
                && s.generation() == statusGeneration.get()
                && nanoTime.getAsLong() - s.takenNanos() < maxAge.toNanos()) {
            return s;
        }
        return null;
    }

    /**
     * Runs a change of deployments; the next GetStatus reads the list afresh, whatever happened.
     *
     * @param change Deploy, Stop, Remove or Scale
     * @return its answer
     */
    <R> R changing(Supplier<R> change) {
        try {
            return change.get();
        } finally {
            statusGeneration.incrementAndGet();
        }
    }

    private static List<DeploymentStatus> readStatuses(Orchestrator current) {
        return current.statuses().stream()
                .map(
                        s ->
                                DeploymentStatus.newBuilder()
                                        .setDeploymentId(s.deploymentId())
                                        .setName(s.name() == null ? "" : s.name())
                                        .setStatus(s.state().name().toLowerCase(Locale.ROOT))
                                        .setReplicas(s.replicas())
                                        .setReadyReplicas(s.readyReplicas())
                                        .build())
                .toList();
    }

    DeployResponse deploy(DeployRequest request) {
        Orchestrator current = orchestrator();
        if (!request.hasSpec() || request.getSpec().getServicesCount() == 0) {
            throw new InvalidArgumentException("spec has no services: give at least one");
        }
        DeploymentResult result = current.deploy(ComposeMapper.fromWire(request));
        return DeployResponse.newBuilder()
                .setSuccess(true)
                .setDeploymentId(result.deploymentId())
                .setMessage(result.message())
                .addAllEndpoints(result.endpoints())
                .build();
    }

    StopResponse stop(StopRequest request) {
        String id = requireId(request.getDeploymentId());
        orchestrator().stop(id, request.getForce());
        return StopResponse.newBuilder()
                .setSuccess(true)
                .setMessage(
                        "deployment "
                                + id
                                + " is stopping"
                                + (request.getForce() ? " (forced)" : ""))
                .build();
    }

    RemoveResponse remove(RemoveRequest request) {
        String id = requireId(request.getDeploymentId());
        orchestrator().remove(id, request.getRemoveVolumes());
        return RemoveResponse.newBuilder()
                .setSuccess(true)
                .setMessage("deployment " + id + " is being removed")
                .build();
    }

    ScaleResponse scale(ScaleRequest request) {
        String id = requireId(request.getDeploymentId());
        if (request.getServiceName().isBlank()) {
            throw new InvalidArgumentException("service_name is empty: name the service to scale");
        }
        if (request.getReplicas() > 10_000) {
            throw new InvalidArgumentException(
                    "replicas "
                            + Integer.toUnsignedString(request.getReplicas())
                            + " is over 10000");
        }
        ScaleResult result =
                orchestrator().scale(id, request.getServiceName(), request.getReplicas());
        return ScaleResponse.newBuilder()
                .setSuccess(true)
                .setMessage(
                        "service "
                                + request.getServiceName()
                                + " of "
                                + id
                                + " scaled from "
                                + result.previousReplicas()
                                + " to "
                                + result.currentReplicas())
                .setPreviousReplicas(result.previousReplicas())
                .setCurrentReplicas(result.currentReplicas())
                .build();
    }

    private static String requireId(String id) {
        if (id.isBlank()) {
            throw new InvalidArgumentException("deployment_id is empty");
        }
        return id.trim();
    }

    /**
     * Streams logs; with follow, until the client cancels or the deployment is removed. One line
     * per message as the Rust node sends them, unless the client asks for {@code
     * max_lines_per_message} above 1: then a message carries what the follower has ready, up to
     * that many lines (capped at {@value #MAX_LINES_PER_MESSAGE} and about {@value
     * #MAX_BATCH_BYTES} bytes), the first in its own fields and the rest in {@code more}.
     */
    void logs(GetLogsRequest request, StreamObserver<LogEntry> response) {
        Orchestrator current;
        LogQuery query;
        try {
            String id = requireId(request.getDeploymentId());
            current = orchestrator();
            query =
                    new LogQuery(
                            id,
                            request.getServiceName().trim(),
                            request.getTail(),
                            request.getFollow(),
                            request.getSince() == 0
                                    ? Optional.empty()
                                    : Optional.of(Instant.ofEpochSecond(request.getSince())));
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of(e));
            return;
        }
        Subscription[] subscription = new Subscription[1];
        Runnable onCancel =
                () -> {
                    synchronized (subscription) {
                        if (subscription[0] != null) {
                            subscription[0].close();
                        }
                    }
                };
        LineSender sender;
        int perMessage = Math.min(request.getMaxLinesPerMessage(), MAX_LINES_PER_MESSAGE);
        if (perMessage > 1) {
            BatchingStreamSender<LogEntry> batching =
                    new BatchingStreamSender<>(
                            response,
                            Math.max(LOG_BUFFER, 2 * perMessage),
                            perMessage,
                            MAX_BATCH_BYTES,
                            streamSendExecutor,
                            DeploymentRpcs::oneMessage,
                            LogEntry::getSerializedSize,
                            onCancel);
            sender =
                    new LineSender(
                            batching::put,
                            batching::complete,
                            batching::fail,
                            batching::isCancelled);
        } else {
            StreamSender<LogEntry> single = new StreamSender<>(response, LOG_BUFFER, onCancel);
            sender =
                    new LineSender(
                            single::put, single::complete, single::fail, single::isCancelled);
        }
        try {
            Subscription opened =
                    current.logs(
                            query,
                            new StreamSink<>() {
                                @Override
                                public void next(LogLine line) throws InterruptedException {
                                    // waits while the client does not read: the back-pressure
                                    if (!sender.put().send(toWire(line))) {
                                        throw new InterruptedException("the client went away");
                                    }
                                }

                                @Override
                                public void complete() {
                                    sender.complete().run();
                                }

                                @Override
                                public void error(Throwable failure) {
                                    sender.fail().accept(failure);
                                }
                            });
            synchronized (subscription) {
                subscription[0] = opened;
                if (sender.cancelled().getAsBoolean()) {
                    opened.close();
                }
            }
        } catch (RuntimeException e) {
            sender.fail().accept(e);
        }
    }

    /** Sends one {@link LogEntry} per line, or several per message, with the same back-pressure. */
    private record LineSender(
            Put put,
            Runnable complete,
            java.util.function.Consumer<Throwable> fail,
            java.util.function.BooleanSupplier cancelled) {}

    @FunctionalInterface
    private interface Put {
        boolean send(LogEntry line) throws InterruptedException;
    }

    // the first line in the message's own fields, the next ones in 'more'
    private static LogEntry oneMessage(List<LogEntry> lines) {
        if (lines.size() == 1) {
            return lines.get(0);
        }
        return lines.get(0).toBuilder().addAllMore(lines.subList(1, lines.size())).build();
    }

    private static LogEntry toWire(LogLine line) {
        return LogEntry.newBuilder()
                .setTimestamp(line.timestamp().getEpochSecond())
                .setService(line.service() == null ? "" : line.service())
                .setContainerId(line.containerId() == null ? "" : line.containerId())
                .setStream(line.stream().wireName())
                .setMessage(line.message())
                .build();
    }

    ListContainersResponse containers(ListContainersRequest request) {
        Map<String, String> labels = new HashMap<>();
        String name = null;
        String idPrefix = null;
        ContainerState state = null;
        String runtime = null;
        for (Map.Entry<String, String> filter : request.getFiltersMap().entrySet()) {
            String key = filter.getKey().trim();
            String value = filter.getValue().trim();
            switch (key) {
                case "name" -> name = value;
                case "id" -> idPrefix = value;
                case "runtime" -> runtime = value;
                case "state", "status" -> {
                    try {
                        state = ContainerState.valueOf(value.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new InvalidArgumentException(
                                "filters."
                                        + key
                                        + " '"
                                        + value
                                        + "' is not a container state (created, running, paused,"
                                        + " restarting, exited, dead)");
                    }
                }
                case "label" -> {
                    int equals = value.indexOf('=');
                    if (equals <= 0) {
                        throw new InvalidArgumentException(
                                "filters.label '" + value + "' is not key=value");
                    }
                    labels.put(value.substring(0, equals), value.substring(equals + 1));
                }
                case "deployment" -> labels.put("hanzo.deployment", value);
                case "service" -> labels.put("hanzo.service", value);
                default -> labels.put(key, value);
            }
        }
        String nameFilter = name;
        String idFilter = idPrefix;
        ContainerState stateFilter = state;
        String runtimeFilter = runtime;
        List<ContainerStatus> found =
                orchestrator().containers(request.getAll() || stateFilter != null, labels);
        return ListContainersResponse.newBuilder()
                .addAllContainers(
                        found.stream()
                                .filter(
                                        c ->
                                                nameFilter == null
                                                        || (c.name() != null
                                                                && c.name().contains(nameFilter)))
                                .filter(c -> idFilter == null || c.id().startsWith(idFilter))
                                .filter(c -> stateFilter == null || c.state() == stateFilter)
                                .filter(
                                        c ->
                                                runtimeFilter == null
                                                        || runtimeFilter.equals(c.runtime()))
                                .map(ComposeMapper::toWire)
                                .toList())
                .build();
    }

    ai.hanzo.node.proto.v1.ContainerInfo inspect(String containerId) {
        if (containerId.isBlank()) {
            throw new InvalidArgumentException("container_id is empty");
        }
        return ComposeMapper.toWire(orchestrator().inspect(containerId.trim()));
    }

    /**
     * The bidirectional exec: the first message names the container and the command (and may carry
     * standard input), later ones carry standard input, and the client's half-close closes it. The
     * command's output flows back with back-pressure, then one message with the exit code and done.
     */
    StreamObserver<ExecInput> exec(StreamObserver<ai.hanzo.node.proto.v1.ExecOutput> response) {
        ExecSession[] session = new ExecSession[1];
        StreamSender<ai.hanzo.node.proto.v1.ExecOutput> sender =
                new StreamSender<>(
                        response,
                        EXEC_BUFFER,
                        () -> {
                            synchronized (session) {
                                if (session[0] != null) {
                                    session[0].close();
                                }
                            }
                        });
        return new StreamObserver<>() {
            @Override
            public void onNext(ExecInput input) {
                ExecSession running;
                synchronized (session) {
                    running = session[0];
                }
                try {
                    if (running == null) {
                        running = start(input, sender);
                        synchronized (session) {
                            session[0] = running;
                        }
                        if (sender.isCancelled()) {
                            running.close();
                            return;
                        }
                    } else if (!input.getContainerId().isEmpty() || input.getCommandCount() > 0) {
                        throw new InvalidArgumentException(
                                "only the first ExecInput names the container and the command;"
                                        + " later ones carry stdin");
                    }
                    if (!input.getStdin().isEmpty()) {
                        running.writeStdin(input.getStdin().toByteArray());
                    }
                } catch (RuntimeException e) {
                    if (running != null) {
                        running.close();
                    }
                    sender.fail(e);
                }
            }

            @Override
            public void onError(Throwable t) {
                synchronized (session) {
                    if (session[0] != null) {
                        session[0].close();
                    }
                }
            }

            @Override
            public void onCompleted() {
                synchronized (session) {
                    if (session[0] != null) {
                        try {
                            session[0].closeStdin();
                        } catch (RuntimeException e) {
                            // the command has ended already
                        }
                    } else {
                        sender.fail(
                                new InvalidArgumentException(
                                        "the exec stream ended before naming a container and a"
                                                + " command"));
                    }
                }
            }
        };
    }

    private ExecSession start(
            ExecInput first, StreamSender<ai.hanzo.node.proto.v1.ExecOutput> sender) {
        if (first.getContainerId().isBlank()) {
            throw new InvalidArgumentException("container_id is empty in the first ExecInput");
        }
        if (first.getCommandCount() == 0) {
            throw new InvalidArgumentException("command is empty in the first ExecInput");
        }
        java.util.concurrent.CompletableFuture<ExecSession> self =
                new java.util.concurrent.CompletableFuture<>();
        ExecSpec spec =
                new ExecSpec(first.getCommandList(), Map.of(), "", "", true, first.getTty(), 0, 0);
        ExecSession session;
        try {
            session =
                    orchestrator()
                            .exec(
                                    first.getContainerId().trim(),
                                    spec,
                                    new StreamSink<>() {
                                        @Override
                                        public void next(ExecOutput item)
                                                throws InterruptedException {
                                            ByteString data = ByteString.copyFrom(item.data());
                                            ai.hanzo.node.proto.v1.ExecOutput.Builder out =
                                                    ai.hanzo.node.proto.v1.ExecOutput.newBuilder();
                                            if (item.stream() == LogStream.STDERR) {
                                                out.setStderr(data);
                                            } else {
                                                out.setStdout(data);
                                            }
                                            if (!sender.put(out.build())) {
                                                throw new InterruptedException(
                                                        "the client went away");
                                            }
                                        }

                                        @Override
                                        public void complete() {
                                            int code;
                                            try {
                                                // complete() may come before exec() returned
                                                code =
                                                        self.join()
                                                                .exitCode()
                                                                .toCompletableFuture()
                                                                .join();
                                            } catch (RuntimeException e) {
                                                sender.fail(e);
                                                return;
                                            }
                                            sender.offerDroppingOldest(
                                                    ai.hanzo.node.proto.v1.ExecOutput.newBuilder()
                                                            .setExitCode(code)
                                                            .setDone(true)
                                                            .build());
                                            sender.complete();
                                        }

                                        @Override
                                        public void error(Throwable failure) {
                                            sender.fail(failure);
                                        }
                                    });
        } catch (RuntimeException e) {
            self.completeExceptionally(e);
            throw e;
        }
        self.complete(session);
        return session;
    }
}
