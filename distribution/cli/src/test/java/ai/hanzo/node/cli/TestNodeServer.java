package ai.hanzo.node.cli;

import ai.hanzo.node.proto.v1.ContainerInfo;
import ai.hanzo.node.proto.v1.DeployRequest;
import ai.hanzo.node.proto.v1.DeployResponse;
import ai.hanzo.node.proto.v1.DeploymentStatus;
import ai.hanzo.node.proto.v1.EmbedRequest;
import ai.hanzo.node.proto.v1.EmbedResponse;
import ai.hanzo.node.proto.v1.Embedding;
import ai.hanzo.node.proto.v1.EngineInfo;
import ai.hanzo.node.proto.v1.ExecInput;
import ai.hanzo.node.proto.v1.ExecOutput;
import ai.hanzo.node.proto.v1.GetEventsRequest;
import ai.hanzo.node.proto.v1.GetHealthRequest;
import ai.hanzo.node.proto.v1.GetHealthResponse;
import ai.hanzo.node.proto.v1.GetLogsRequest;
import ai.hanzo.node.proto.v1.GetMetricsRequest;
import ai.hanzo.node.proto.v1.GetStatusRequest;
import ai.hanzo.node.proto.v1.GetStatusResponse;
import ai.hanzo.node.proto.v1.HealthStatus;
import ai.hanzo.node.proto.v1.InferenceServiceGrpc;
import ai.hanzo.node.proto.v1.ListContainersRequest;
import ai.hanzo.node.proto.v1.ListContainersResponse;
import ai.hanzo.node.proto.v1.ListModelsRequest;
import ai.hanzo.node.proto.v1.ListModelsResponse;
import ai.hanzo.node.proto.v1.LogEntry;
import ai.hanzo.node.proto.v1.MetricsResponse;
import ai.hanzo.node.proto.v1.ModelInfo;
import ai.hanzo.node.proto.v1.NodeEvent;
import ai.hanzo.node.proto.v1.NodeMetrics;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import ai.hanzo.node.proto.v1.NodeState;
import ai.hanzo.node.proto.v1.RemoveRequest;
import ai.hanzo.node.proto.v1.RemoveResponse;
import ai.hanzo.node.proto.v1.ScaleRequest;
import ai.hanzo.node.proto.v1.ScaleResponse;
import ai.hanzo.node.proto.v1.ServiceSpec;
import ai.hanzo.node.proto.v1.StopRequest;
import ai.hanzo.node.proto.v1.StopResponse;
import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A gRPC server on 127.0.0.1 that implements NodeService and InferenceService over in-memory state,
 * for the CLI's unit tests until the node's own NodeService serves every RPC. Real where it can be:
 * exec runs the command as a local process, with the stdin the client sends.
 */
final class TestNodeServer implements AutoCloseable {
    static final String ADMIN_KEY = "hzk_admin_test_key";
    static final String VIEWER_KEY = "hzk_viewer_test_key";

    final Map<String, DeployRequest> deployments = new ConcurrentHashMap<>();
    final Map<String, Map<String, Integer>> replicas = new ConcurrentHashMap<>();
    final Map<String, String> states = new ConcurrentHashMap<>();
    final List<LogEntry> logs = new CopyOnWriteArrayList<>();
    final List<NodeEvent> events = new CopyOnWriteArrayList<>();
    final List<String> metadataKeys = new CopyOnWriteArrayList<>();
    final CountDownLatch followerAttached = new CountDownLatch(1);

    /** max_lines_per_message of the last GetLogs request. */
    volatile int logsLinesPerMessage = -1;

    private final List<StreamObserver<LogEntry>> followers = new CopyOnWriteArrayList<>();
    private final Server server;

    TestNodeServer() throws IOException {
        Node node = new Node();
        server =
                NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", 0))
                        .addService(ServerInterceptors.intercept(node, new Auth()))
                        .addService(ServerInterceptors.intercept(new Inference(), new Auth()))
                        .build()
                        .start();
    }

    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    /** Sends a log line to every follower and keeps it for later readers. */
    void log(String deployment, String service, String message) {
        LogEntry entry =
                LogEntry.newBuilder()
                        .setTimestamp(System.currentTimeMillis() / 1000)
                        .setService(service)
                        .setContainerId(deployment + "-" + service)
                        .setStream("stdout")
                        .setMessage(message)
                        .build();
        logs.add(entry);
        followers.forEach(f -> f.onNext(entry));
    }

    /** Ends every followed log stream. */
    void endFollowers() {
        followers.forEach(StreamObserver::onCompleted);
        followers.clear();
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<ContainerInfo> containers(String deployment) {
        List<ContainerInfo> list = new ArrayList<>();
        DeployRequest request = deployments.get(deployment);
        if (request == null) {
            return list;
        }
        for (Map.Entry<String, ServiceSpec> s : request.getSpec().getServicesMap().entrySet()) {
            int n = replicas.get(deployment).get(s.getKey());
            for (int i = 1; i <= n; i++) {
                String state = states.get(deployment).equals("stopped") ? "exited" : "running";
                list.add(
                        ContainerInfo.newBuilder()
                                .setId(
                                        Integer.toHexString(
                                                        (deployment + s.getKey() + i).hashCode())
                                                + "0123456789abcdef")
                                .setName(request.getName() + "-" + s.getKey() + "-" + i)
                                .setImage(s.getValue().getImage())
                                .setState(state)
                                .setStatus(state.equals("running") ? "Up 5 seconds" : "Exited (0)")
                                .setHealth(s.getValue().hasHealthcheck() ? "healthy" : "none")
                                .setCreated(System.currentTimeMillis() / 1000 - 300)
                                .addAllPorts(s.getValue().getPortsList())
                                .putLabels("hanzo.deployment", deployment)
                                .putLabels("hanzo.service", s.getKey())
                                .build());
            }
        }
        return list;
    }

    private final class Auth implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String key =
                    headers.get(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER));
            metadataKeys.add(key == null ? "" : key);
            String method = call.getMethodDescriptor().getBareMethodName();
            if (key == null || !(key.equals(ADMIN_KEY) || key.equals(VIEWER_KEY))) {
                call.close(
                        Status.UNAUTHENTICATED.withDescription("missing or unknown API key"),
                        new Metadata());
                return new ServerCall.Listener<>() {};
            }
            if (key.equals(VIEWER_KEY)
                    && List.of("Deploy", "Stop", "Remove", "Scale", "ExecInContainer")
                            .contains(method)) {
                call.close(
                        Status.PERMISSION_DENIED.withDescription(
                                "role viewer may not call " + method),
                        new Metadata());
                return new ServerCall.Listener<>() {};
            }
            return next.startCall(call, headers);
        }
    }

    private final class Node extends NodeServiceGrpc.NodeServiceImplBase {
        @Override
        public void getHealth(
                GetHealthRequest request, StreamObserver<GetHealthResponse> response) {
            response.onNext(
                    GetHealthResponse.newBuilder()
                            .setStatus(HealthStatus.HEALTH_STATUS_HEALTHY)
                            .setVersion("0.1.0-test")
                            .addModels("all-minilm-l6-v2")
                            .build());
            response.onCompleted();
        }

        @Override
        public void getStatus(
                GetStatusRequest request, StreamObserver<GetStatusResponse> response) {
            GetStatusResponse.Builder status =
                    GetStatusResponse.newBuilder()
                            .setState(NodeState.NODE_STATE_READY)
                            .setUptimeSeconds(3725)
                            .setMetrics(
                                    NodeMetrics.newBuilder()
                                            .setCpuUsage(0.125)
                                            .setMemoryUsage(0.5)
                                            .setDiskUsage(0.25)
                                            .setNetworkRxBytes(2048)
                                            .setActiveContainers(containerCount()));
            for (Map.Entry<String, DeployRequest> d : deployments.entrySet()) {
                int total =
                        replicas.get(d.getKey()).values().stream()
                                .mapToInt(Integer::intValue)
                                .sum();
                boolean running = states.get(d.getKey()).equals("running");
                status.addDeployments(
                        DeploymentStatus.newBuilder()
                                .setDeploymentId(d.getKey())
                                .setName(d.getValue().getName())
                                .setStatus(states.get(d.getKey()))
                                .setReplicas(total)
                                .setReadyReplicas(running ? total : 0)
                                .setRuntime("process"));
            }
            response.onNext(status.build());
            response.onCompleted();
        }

        private int containerCount() {
            return deployments.keySet().stream().mapToInt(id -> containers(id).size()).sum();
        }

        @Override
        public void deploy(DeployRequest request, StreamObserver<DeployResponse> response) {
            String id =
                    request.getDeploymentId().isEmpty()
                            ? UUID.randomUUID().toString()
                            : request.getDeploymentId();
            if (deployments.putIfAbsent(id, request) != null) {
                response.onError(
                        Status.ALREADY_EXISTS
                                .withDescription("deployment " + id + " already exists")
                                .asRuntimeException());
                return;
            }
            Map<String, Integer> counts = new ConcurrentHashMap<>();
            request.getSpec()
                    .getServicesMap()
                    .forEach(
                            (name, s) ->
                                    counts.put(
                                            name, s.hasDeploy() ? s.getDeploy().getReplicas() : 1));
            replicas.put(id, counts);
            states.put(id, "running");
            response.onNext(
                    DeployResponse.newBuilder()
                            .setSuccess(true)
                            .setDeploymentId(id)
                            .setMessage("deployed")
                            .addEndpoints("127.0.0.1:8080")
                            .build());
            response.onCompleted();
        }

        @Override
        public void stop(StopRequest request, StreamObserver<StopResponse> response) {
            if (!deployments.containsKey(request.getDeploymentId())) {
                response.onError(
                        Status.NOT_FOUND
                                .withDescription("no deployment " + request.getDeploymentId())
                                .asRuntimeException());
                return;
            }
            states.put(request.getDeploymentId(), "stopped");
            response.onNext(StopResponse.newBuilder().setSuccess(true).build());
            response.onCompleted();
        }

        @Override
        public void remove(RemoveRequest request, StreamObserver<RemoveResponse> response) {
            if (deployments.remove(request.getDeploymentId()) == null) {
                response.onError(
                        Status.NOT_FOUND
                                .withDescription("no deployment " + request.getDeploymentId())
                                .asRuntimeException());
                return;
            }
            response.onNext(RemoveResponse.newBuilder().setSuccess(true).build());
            response.onCompleted();
        }

        @Override
        public void scale(ScaleRequest request, StreamObserver<ScaleResponse> response) {
            Map<String, Integer> counts = replicas.get(request.getDeploymentId());
            if (counts == null
                    || !deployments.containsKey(request.getDeploymentId())
                    || !counts.containsKey(request.getServiceName())) {
                response.onError(
                        Status.NOT_FOUND
                                .withDescription(
                                        "no service "
                                                + request.getServiceName()
                                                + " in deployment "
                                                + request.getDeploymentId())
                                .asRuntimeException());
                return;
            }
            int previous = counts.put(request.getServiceName(), request.getReplicas());
            response.onNext(
                    ScaleResponse.newBuilder()
                            .setSuccess(true)
                            .setPreviousReplicas(previous)
                            .setCurrentReplicas(request.getReplicas())
                            .build());
            response.onCompleted();
        }

        @Override
        public void listContainers(
                ListContainersRequest request, StreamObserver<ListContainersResponse> response) {
            ListContainersResponse.Builder list = ListContainersResponse.newBuilder();
            for (String id : deployments.keySet()) {
                String only = request.getFiltersMap().get("deployment");
                if (only != null && !only.equals(id)) {
                    continue;
                }
                for (ContainerInfo c : containers(id)) {
                    if (request.getAll() || c.getState().equals("running")) {
                        list.addContainers(c);
                    }
                }
            }
            response.onNext(list.build());
            response.onCompleted();
        }

        @Override
        public void getLogs(GetLogsRequest request, StreamObserver<LogEntry> response) {
            if (!deployments.containsKey(request.getDeploymentId())) {
                response.onError(
                        Status.NOT_FOUND
                                .withDescription("no deployment " + request.getDeploymentId())
                                .asRuntimeException());
                return;
            }
            List<LogEntry> matching = new ArrayList<>();
            for (LogEntry e : logs) {
                if (e.getContainerId().startsWith(request.getDeploymentId() + "-")
                        && (request.getServiceName().isEmpty()
                                || e.getService().equals(request.getServiceName()))
                        && e.getTimestamp() >= request.getSince()) {
                    matching.add(e);
                }
            }
            int from = request.getTail() > 0 ? Math.max(0, matching.size() - request.getTail()) : 0;
            List<LogEntry> sent = matching.subList(from, matching.size());
            logsLinesPerMessage = request.getMaxLinesPerMessage();
            // as the node does when asked: up to N lines per message (here 2, so that the CLI
            // meets messages of several lines), the first in the message's own fields
            int perMessage = Math.max(1, Math.min(2, request.getMaxLinesPerMessage()));
            for (int i = 0; i < sent.size(); i += perMessage) {
                List<LogEntry> batch = sent.subList(i, Math.min(sent.size(), i + perMessage));
                response.onNext(
                        batch.get(0).toBuilder()
                                .addAllMore(batch.subList(1, batch.size()))
                                .build());
            }
            if (request.getFollow()) {
                followers.add(response);
                ((ServerCallStreamObserver<LogEntry>) response)
                        .setOnCancelHandler(() -> followers.remove(response));
                followerAttached.countDown();
            } else {
                response.onCompleted();
            }
        }

        @Override
        public void getEvents(GetEventsRequest request, StreamObserver<NodeEvent> response) {
            for (NodeEvent e : events) {
                if (request.getEventTypesList().isEmpty()
                        || request.getEventTypesList().contains(e.getEventType())) {
                    response.onNext(e);
                }
            }
            response.onCompleted();
        }

        @Override
        public void getMetrics(
                GetMetricsRequest request, StreamObserver<MetricsResponse> response) {
            // three samples from the deployments' state, without waiting out the interval
            for (int i = 0; i < 3; i++) {
                response.onNext(
                        MetricsResponse.newBuilder()
                                .setTimestamp(
                                        1_800_000_000L + (long) i * request.getIntervalSeconds())
                                .setMetrics(
                                        NodeMetrics.newBuilder()
                                                .setCpuUsage(0.1 * (i + 1))
                                                .setMemoryUsage(0.5)
                                                .setActiveContainers(containerCount()))
                                .build());
            }
            response.onCompleted();
        }

        @Override
        public StreamObserver<ExecInput> execInContainer(StreamObserver<ExecOutput> response) {
            return new StreamObserver<>() {
                private Process process;

                @Override
                public void onNext(ExecInput input) {
                    try {
                        if (process == null) {
                            ProcessBuilder builder = new ProcessBuilder(input.getCommandList());
                            builder.environment().putAll(input.getEnvironmentMap());
                            process = builder.start();
                            if (!input.getAttachStdin()) {
                                process.getOutputStream().close();
                            }
                            Thread out = pump(process.getInputStream(), true);
                            Thread err = pump(process.getErrorStream(), false);
                            Process p = process;
                            Thread waiter =
                                    new Thread(
                                            () -> {
                                                try {
                                                    int code = p.waitFor();
                                                    out.join();
                                                    err.join();
                                                    synchronized (response) {
                                                        response.onNext(
                                                                ExecOutput.newBuilder()
                                                                        .setDone(true)
                                                                        .setExitCode(code)
                                                                        .build());
                                                        response.onCompleted();
                                                    }
                                                } catch (InterruptedException e) {
                                                    Thread.currentThread().interrupt();
                                                }
                                            });
                            waiter.start();
                            return;
                        }
                        OutputStream stdin = process.getOutputStream();
                        if (!input.getStdin().isEmpty()) {
                            input.getStdin().writeTo(stdin);
                            stdin.flush();
                        }
                        if (input.getStdinEof()) {
                            stdin.close();
                        }
                    } catch (IOException e) {
                        response.onError(
                                Status.INTERNAL
                                        .withDescription(e.getMessage())
                                        .asRuntimeException());
                    }
                }

                private Thread pump(InputStream in, boolean stdout) {
                    Thread t =
                            new Thread(
                                    () -> {
                                        byte[] buffer = new byte[4096];
                                        try {
                                            int n;
                                            while ((n = in.read(buffer)) > 0) {
                                                ByteString bytes =
                                                        ByteString.copyFrom(buffer, 0, n);
                                                synchronized (response) {
                                                    response.onNext(
                                                            stdout
                                                                    ? ExecOutput.newBuilder()
                                                                            .setStdout(bytes)
                                                                            .build()
                                                                    : ExecOutput.newBuilder()
                                                                            .setStderr(bytes)
                                                                            .build());
                                                }
                                            }
                                        } catch (IOException e) {
                                            // the process ended
                                        }
                                    });
                    t.start();
                    return t;
                }

                @Override
                public void onError(Throwable t) {
                    if (process != null) {
                        process.destroy();
                    }
                }

                @Override
                public void onCompleted() {}
            };
        }
    }

    private static final class Inference extends InferenceServiceGrpc.InferenceServiceImplBase {
        @Override
        public void listModels(
                ListModelsRequest request, StreamObserver<ListModelsResponse> response) {
            response.onNext(
                    ListModelsResponse.newBuilder()
                            .addModels(
                                    ModelInfo.newBuilder()
                                            .setId("all-minilm-l6-v2")
                                            .setEngine("onnxruntime")
                                            .setDevice("cpu")
                                            .setState("ready")
                                            .setFormat("onnx")
                                            .setDimensions(384)
                                            .setMaxTokens(256))
                            .addEngines(
                                    EngineInfo.newBuilder()
                                            .setName("onnxruntime")
                                            .setAvailable(true)
                                            .addDevices("cpu")
                                            .addFormats("onnx"))
                            .addEngines(
                                    EngineInfo.newBuilder()
                                            .setName("mlx")
                                            .setAvailable(false)
                                            .setReason("needs macOS on Apple silicon"))
                            .build());
            response.onCompleted();
        }

        @Override
        public void embed(EmbedRequest request, StreamObserver<EmbedResponse> response) {
            if (!request.getModel().isEmpty() && !request.getModel().equals("all-minilm-l6-v2")) {
                response.onError(
                        Status.NOT_FOUND
                                .withDescription("no model " + request.getModel())
                                .asRuntimeException());
                return;
            }
            EmbedResponse.Builder out = EmbedResponse.newBuilder().setModel("all-minilm-l6-v2");
            for (String text : request.getInputsList()) {
                // a letter histogram stands in for the model: the CLI only prints what it gets
                float[] counts = new float[26];
                for (char c : text.toLowerCase(java.util.Locale.ROOT).toCharArray()) {
                    if (c >= 'a' && c <= 'z') {
                        counts[c - 'a']++;
                    }
                }
                Embedding.Builder e =
                        Embedding.newBuilder().setTokens(text.split("\\s+").length + 2);
                for (float f : counts) {
                    e.addValues(f);
                }
                out.addEmbeddings(e);
            }
            response.onNext(out.build());
            response.onCompleted();
        }
    }
}
