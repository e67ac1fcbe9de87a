package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.NotFoundException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.UnavailableException;
import ai.hanzo.node.api.chain.ChainStatus;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.node.NodeCapabilities;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeProfile;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.proto.v1.ConsensusStatus;
import ai.hanzo.node.proto.v1.GetEventsRequest;
import ai.hanzo.node.proto.v1.GetHealthRequest;
import ai.hanzo.node.proto.v1.GetHealthResponse;
import ai.hanzo.node.proto.v1.GetMetricsRequest;
import ai.hanzo.node.proto.v1.GetStatusRequest;
import ai.hanzo.node.proto.v1.GetStatusResponse;
import ai.hanzo.node.proto.v1.HeartbeatRequest;
import ai.hanzo.node.proto.v1.HeartbeatResponse;
import ai.hanzo.node.proto.v1.MetricsResponse;
import ai.hanzo.node.proto.v1.NodeEvent;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import ai.hanzo.node.proto.v1.RegisterNodeRequest;
import ai.hanzo.node.proto.v1.RegisterNodeResponse;
import ai.hanzo.node.proto.v1.UpdateCapabilitiesRequest;
import ai.hanzo.node.proto.v1.UpdateCapabilitiesResponse;
import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code hanzo.node.v1.NodeService}, answered from the live node: health and status from the
 * lifecycle and the {@link NodeProfile}, metrics and events as flow-controlled streams, and the
 * coordinator RPCs through the {@link NodeRegistryService}. Deployment RPCs go to the {@link
 * DeploymentRpcs} (the Orchestrator).
 */
final class NodeGrpcService extends NodeServiceGrpc.NodeServiceImplBase {
    static final Metadata.Key<String> REGISTRATION_PROOF =
            Metadata.Key.of("x-hanzo-registration-proof", Metadata.ASCII_STRING_MARSHALLER);
    static final Context.Key<String> PROOF = Context.key("hanzo-registration-proof");
    static final int DEFAULT_METRICS_INTERVAL_SECONDS = 5;
    static final int MAX_METRICS_INTERVAL_SECONDS = 3600;
    static final int EVENT_BUFFER = 1024;

    private final NodeLifecycle lifecycle;
    private final NodeProfile profile;
    private final NodeScheduler scheduler;
    private final HealthCache health;
    private final Supplier<Optional<EventBus>> events;
    private final NodeRegistryService registry;
    private final DeploymentRpcs deployments;

    NodeGrpcService(
            NodeLifecycle lifecycle,
            NodeProfile profile,
            NodeScheduler scheduler,
            HealthCache health,
            Supplier<Optional<EventBus>> events,
            NodeRegistryService registry,
            DeploymentRpcs deployments) {
        this.lifecycle = lifecycle;
        this.profile = profile;
        this.scheduler = scheduler;
        this.health = health;
        this.events = events;
        this.registry = registry;
        this.deployments = deployments;
    }

    @Override
    public void getHealth(GetHealthRequest request, StreamObserver<GetHealthResponse> response) {
        try {
            HealthCache.Reading reading = health.current();
            NodeCapabilities capabilities = profile.capabilities();
            ConsensusStatus.Builder consensus =
                    ConsensusStatus.newBuilder().setNetworkId(lifecycle.info().networkId());
            if (reading.chain().isPresent()) {
                ChainStatus chain = reading.chain().get();
                consensus.setSynced(chain.synced()).setBlockHeight(chain.blockHeight());
            }
            response.onNext(
                    GetHealthResponse.newBuilder()
                            .setStatus(NodeMapper.toWire(health.status()))
                            .setVersion(lifecycle.info().version())
                            .setMlxEnabled(capabilities.mlxEnabled())
                            .addAllModels(capabilities.models())
                            .setConsensus(consensus)
                            .build());
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of(e, "reading the node's health failed"));
        }
    }

    @Override
    public void getStatus(GetStatusRequest request, StreamObserver<GetStatusResponse> response) {
        try {
            requireThisNode(request.getNodeId());
            response.onNext(
                    GetStatusResponse.newBuilder()
                            .setState(NodeMapper.toWire(lifecycle.state()))
                            .setUptimeSeconds(Math.max(0, lifecycle.uptime().toSeconds()))
                            .setMetrics(NodeMapper.toWire(profile.metrics()))
                            .addAllDeployments(deployments.statuses())
                            .build());
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of(e, "reading the node's status failed"));
        }
    }

    /**
     * Sends the node's metrics every {@code interval_seconds} (default 5). A reader that cannot
     * keep up gets the newest sample when it can read again, never a backlog.
     */
    @Override
    public void getMetrics(GetMetricsRequest request, StreamObserver<MetricsResponse> response) {
        int interval = request.getIntervalSeconds();
        try {
            requireThisNode(request.getNodeId());
            if (interval > MAX_METRICS_INTERVAL_SECONDS) {
                throw ErrorStatus.invalidArgument(
                        "interval_seconds "
                                + interval
                                + " is over the limit of "
                                + MAX_METRICS_INTERVAL_SECONDS);
            }
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of(e));
            return;
        }
        int seconds = interval == 0 ? DEFAULT_METRICS_INTERVAL_SECONDS : interval;
        ScheduledFuture<?>[] timer = new ScheduledFuture<?>[1];
        StreamSender<MetricsResponse> sender =
                new StreamSender<>(
                        response,
                        1,
                        () -> {
                            synchronized (timer) {
                                if (timer[0] != null) {
                                    timer[0].cancel(false);
                                }
                            }
                        });
        synchronized (timer) {
            timer[0] =
                    scheduler.scheduleWithFixedDelay(
                            "GetMetrics stream",
                            () -> {
                                if (sender.isClosed()) {
                                    synchronized (timer) {
                                        timer[0].cancel(false);
                                    }
                                    return;
                                }
                                sender.offerDroppingOldest(
                                        MetricsResponse.newBuilder()
                                                .setTimestamp(Instant.now().getEpochSecond())
                                                .setMetrics(NodeMapper.toWire(profile.metrics()))
                                                .build());
                            },
                            Duration.ZERO,
                            Duration.ofSeconds(seconds));
            if (sender.isClosed()) {
                timer[0].cancel(false);
            }
        }
    }

    /**
     * Streams the node's events as they happen, only those of {@code event_types} when given. The
     * event bus never waits for a reader: a reader that falls more than {@value #EVENT_BUFFER}
     * events behind loses the oldest.
     */
    @Override
    public void getEvents(GetEventsRequest request, StreamObserver<NodeEvent> response) {
        EventBus bus;
        try {
            requireThisNode(request.getNodeId());
            bus =
                    events.get()
                            .orElseThrow(
                                    () ->
                                            new UnavailableException(
                                                    "the node's event bus is not running"));
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of(e));
            return;
        }
        Set<String> types = new LinkedHashSet<>();
        for (String type : request.getEventTypesList()) {
            if (!type.isBlank()) {
                types.add(type.trim());
            }
        }
        Subscription[] subscription = new Subscription[1];
        StreamSender<NodeEvent> sender =
                new StreamSender<>(
                        response,
                        EVENT_BUFFER,
                        () -> {
                            synchronized (subscription) {
                                if (subscription[0] != null) {
                                    subscription[0].close();
                                }
                            }
                        });
        synchronized (subscription) {
            subscription[0] =
                    bus.subscribe(
                            types, event -> sender.offerDroppingOldest(NodeMapper.toWire(event)));
            if (sender.isClosed()) {
                subscription[0].close();
            }
        }
    }

    @Override
    public void registerNode(
            RegisterNodeRequest request, StreamObserver<RegisterNodeResponse> response) {
        try {
            String proofText = PROOF.get();
            byte[] proof = null;
            if (proofText != null && !proofText.isBlank()) {
                try {
                    proof = Base64.getDecoder().decode(proofText.trim());
                } catch (IllegalArgumentException e) {
                    throw ErrorStatus.invalidArgument("x-hanzo-registration-proof is not base64");
                }
            }
            NodeRegistryService.Outcome outcome = registry.register(request, proof);
            response.onNext(
                    RegisterNodeResponse.newBuilder()
                            .setSuccess(outcome.registered())
                            .setMessage(outcome.message())
                            .setAssignedNodeId(outcome.nodeId())
                            .setChallenge(ByteString.copyFrom(outcome.challenge()))
                            .build());
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of(e, "registering the node failed"));
        }
    }

    @Override
    public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatResponse> response) {
        try {
            List<ai.hanzo.node.proto.v1.NodeCommand> commands = registry.heartbeat(request);
            response.onNext(
                    HeartbeatResponse.newBuilder()
                            .setAcknowledged(true)
                            .setServerTimestamp(Instant.now().getEpochSecond())
                            .addAllPendingCommands(commands)
                            .build());
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of(e, "recording the heartbeat failed"));
        }
    }

    /**
     * For a registered node: stores what it offers now. For this node (its own id, or none): runs
     * its self-tests again and answers with what it measured (a node's own capabilities are
     * measured, never set from outside).
     */
    @Override
    public void updateCapabilities(
            UpdateCapabilitiesRequest request,
            StreamObserver<UpdateCapabilitiesResponse> response) {
        try {
            String nodeId = request.getNodeId().trim();
            String message;
            if (nodeId.isEmpty() || nodeId.equals(lifecycle.info().nodeId())) {
                NodeCapabilities measured = profile.refresh().get(10, TimeUnit.SECONDS);
                message =
                        "this node's capabilities were measured again: runtimes "
                                + measured.runtimes()
                                + ", engines "
                                + measured.engines()
                                + ", models "
                                + measured.models()
                                + " (a node's own capabilities are measured, not set)";
            } else {
                registry.updateCapabilities(nodeId, request.getCapabilities());
                message = "capabilities of node " + nodeId + " updated";
            }
            response.onNext(
                    UpdateCapabilitiesResponse.newBuilder()
                            .setSuccess(true)
                            .setMessage(message)
                            .build());
            response.onCompleted();
        } catch (java.util.concurrent.TimeoutException e) {
            response.onError(
                    ErrorStatus.of(
                            new ai.hanzo.node.api.DeadlineExceededException(
                                    "the self-tests did not finish within 10 s")));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            response.onError(ErrorStatus.of(e, "updating capabilities was interrupted"));
        } catch (Exception e) {
            response.onError(ErrorStatus.of(e, "updating capabilities failed"));
        }
    }

    @Override
    public void deploy(
            ai.hanzo.node.proto.v1.DeployRequest request,
            StreamObserver<ai.hanzo.node.proto.v1.DeployResponse> response) {
        unary(
                response,
                "deploying failed",
                () -> deployments.changing(() -> deployments.deploy(request)));
    }

    @Override
    public void stop(
            ai.hanzo.node.proto.v1.StopRequest request,
            StreamObserver<ai.hanzo.node.proto.v1.StopResponse> response) {
        unary(
                response,
                "stopping the deployment failed",
                () -> deployments.changing(() -> deployments.stop(request)));
    }

    @Override
    public void remove(
            ai.hanzo.node.proto.v1.RemoveRequest request,
            StreamObserver<ai.hanzo.node.proto.v1.RemoveResponse> response) {
        unary(
                response,
                "removing the deployment failed",
                () -> deployments.changing(() -> deployments.remove(request)));
    }

    @Override
    public void scale(
            ai.hanzo.node.proto.v1.ScaleRequest request,
            StreamObserver<ai.hanzo.node.proto.v1.ScaleResponse> response) {
        unary(
                response,
                "scaling failed",
                () -> deployments.changing(() -> deployments.scale(request)));
    }

    @Override
    public void getLogs(
            ai.hanzo.node.proto.v1.GetLogsRequest request,
            StreamObserver<ai.hanzo.node.proto.v1.LogEntry> response) {
        deployments.logs(request, response);
    }

    @Override
    public void listContainers(
            ai.hanzo.node.proto.v1.ListContainersRequest request,
            StreamObserver<ai.hanzo.node.proto.v1.ListContainersResponse> response) {
        unary(response, "listing containers failed", () -> deployments.containers(request));
    }

    @Override
    public void inspectContainer(
            ai.hanzo.node.proto.v1.InspectContainerRequest request,
            StreamObserver<ai.hanzo.node.proto.v1.ContainerInfo> response) {
        unary(
                response,
                "inspecting the container failed",
                () -> deployments.inspect(request.getContainerId()));
    }

    @Override
    public StreamObserver<ai.hanzo.node.proto.v1.ExecInput> execInContainer(
            StreamObserver<ai.hanzo.node.proto.v1.ExecOutput> response) {
        return deployments.exec(response);
    }

    private static <T> void unary(StreamObserver<T> response, String what, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of(e, what));
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }

    private void requireThisNode(String nodeId) {
        if (!nodeId.isBlank() && !nodeId.trim().equals(lifecycle.info().nodeId())) {
            throw new NotFoundException(
                    "node "
                            + nodeId.trim()
                            + " is not this node ("
                            + lifecycle.info().nodeId()
                            + "); leave node_id empty or ask that node");
        }
    }
}
