package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.AlreadyExistsException;
import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.NotFoundException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.compute.Deployment;
import ai.hanzo.node.api.compute.DeploymentRequest;
import ai.hanzo.node.api.compute.DeploymentResult;
import ai.hanzo.node.api.compute.DeploymentState;
import ai.hanzo.node.api.compute.DeploymentStatus;
import ai.hanzo.node.api.compute.LogQuery;
import ai.hanzo.node.api.compute.Orchestrator;
import ai.hanzo.node.api.compute.RuntimeInfo;
import ai.hanzo.node.api.compute.ScaleResult;
import ai.hanzo.node.api.runtime.ContainerHealth;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.runtime.ExecOutput;
import ai.hanzo.node.api.runtime.ExecSession;
import ai.hanzo.node.api.runtime.ExecSpec;
import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.LogStream;
import ai.hanzo.node.api.runtime.PortMapping;
import ai.hanzo.node.api.runtime.StreamSink;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small Orchestrator for unit tests of the gRPC mapping: it keeps deployments in memory, produces
 * numbered log lines as fast as the consumer takes them, and runs an exec that echoes its standard
 * input (or exits with the code its command names).
 */
final class TestOrchestrator implements Orchestrator {
    final Map<String, DeploymentRequest> deployments = new ConcurrentHashMap<>();
    final Map<String, Integer> replicas = new ConcurrentHashMap<>();
    final AtomicLong produced = new AtomicLong();
    final AtomicInteger openLogStreams = new AtomicInteger();
    final AtomicInteger openExecSessions = new AtomicInteger();
    volatile boolean draining;

    /** The threads that read {@link #statuses}, in order. */
    final java.util.Queue<String> statusReaders =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    @Override
    public DeploymentResult deploy(DeploymentRequest request) {
        if (draining) {
            throw new FailedPreconditionException("node is draining");
        }
        String id =
                request.deploymentId().isEmpty()
                        ? "d-" + (deployments.size() + 1)
                        : request.deploymentId();
        if (deployments.putIfAbsent(id, request) != null) {
            throw new AlreadyExistsException("deployment " + id + " already exists");
        }
        request.spec().services().forEach((name, s) -> replicas.put(id + "/" + name, s.replicas()));
        return new DeploymentResult(
                id, "deployment " + id + " accepted", List.of("127.0.0.1:8081"));
    }

    private DeploymentRequest known(String id) {
        DeploymentRequest request = deployments.get(id);
        if (request == null) {
            throw new NotFoundException("deployment " + id + " not found");
        }
        return request;
    }

    @Override
    public void start(String deploymentId) {
        known(deploymentId);
    }

    @Override
    public void stop(String deploymentId, boolean force) {
        known(deploymentId);
    }

    @Override
    public void remove(String deploymentId, boolean removeVolumes) {
        known(deploymentId);
        deployments.remove(deploymentId);
    }

    @Override
    public ScaleResult scale(String deploymentId, String service, int count) {
        known(deploymentId);
        Integer before = replicas.get(deploymentId + "/" + service);
        if (before == null) {
            throw new NotFoundException(
                    "deployment " + deploymentId + " has no service " + service);
        }
        replicas.put(deploymentId + "/" + service, count);
        return new ScaleResult(before, count);
    }

    @Override
    public Optional<Deployment> deployment(String deploymentId) {
        return Optional.empty();
    }

    @Override
    public Optional<DeploymentStatus> status(String deploymentId) {
        return statuses().stream().filter(s -> s.deploymentId().equals(deploymentId)).findFirst();
    }

    @Override
    public List<DeploymentStatus> statuses() {
        statusReaders.add(Thread.currentThread().getName());
        return deployments.entrySet().stream()
                .map(
                        e ->
                                new DeploymentStatus(
                                        e.getKey(),
                                        e.getValue().name(),
                                        DeploymentState.RUNNING,
                                        2,
                                        1,
                                        "",
                                        "process",
                                        Map.of()))
                .toList();
    }

    @Override
    public List<RuntimeInfo> runtimes() {
        return List.of();
    }

    @Override
    public Subscription logs(LogQuery query, StreamSink<LogLine> sink) {
        known(query.deploymentId());
        AtomicBoolean closed = new AtomicBoolean();
        openLogStreams.incrementAndGet();
        Thread producer =
                new Thread(
                        () -> {
                            try {
                                long n = 0;
                                long limit =
                                        query.follow() ? Long.MAX_VALUE : Math.max(1, query.tail());
                                while (!closed.get() && n < limit) {
                                    sink.next(
                                            new LogLine(
                                                    Instant.ofEpochSecond(1_000_000 + n),
                                                    "c1",
                                                    "web",
                                                    n % 2 == 0
                                                            ? LogStream.STDOUT
                                                            : LogStream.STDERR,
                                                    "line " + n));
                                    n++;
                                    produced.incrementAndGet();
                                }
                                if (!closed.get()) {
                                    sink.complete();
                                }
                            } catch (InterruptedException e) {
                                // closed while waiting for the reader
                            } finally {
                                openLogStreams.decrementAndGet();
                            }
                        },
                        "test-log-producer");
        producer.setDaemon(true);
        producer.start();
        return () -> {
            closed.set(true);
            producer.interrupt();
        };
    }

    private static ContainerStatus container(
            String id, String name, ContainerState state, String deployment) {
        return new ContainerStatus(
                id,
                name,
                "busybox:local",
                "process",
                state,
                state == ContainerState.RUNNING ? "Up 3 minutes" : "Exited (0)",
                Instant.ofEpochSecond(1_700_000_000),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                ContainerHealth.NONE,
                0,
                List.of(new PortMapping("127.0.0.1", 8081, 80, "tcp")),
                Map.of("hanzo.deployment", deployment, "hanzo.service", "web"));
    }

    @Override
    public List<ContainerStatus> containers(boolean all, Map<String, String> labelFilters) {
        return List.of(
                        container("c1", "d1-web-1", ContainerState.RUNNING, "d1"),
                        container("c2", "d1-web-2", ContainerState.EXITED, "d1"),
                        container("c3", "d2-db-1", ContainerState.RUNNING, "d2"))
                .stream()
                .filter(c -> all || c.state() == ContainerState.RUNNING)
                .filter(c -> c.labels().entrySet().containsAll(labelFilters.entrySet()))
                .toList();
    }

    @Override
    public ContainerStatus inspect(String containerId) {
        return containers(true, Map.of()).stream()
                .filter(c -> c.id().equals(containerId))
                .findFirst()
                .orElseThrow(
                        () -> new NotFoundException("container " + containerId + " not found"));
    }

    @Override
    public ExecSession exec(String containerId, ExecSpec spec, StreamSink<ExecOutput> output) {
        inspect(containerId);
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        openExecSessions.incrementAndGet();
        if (spec.command().get(0).equals("exit")) {
            int code = Integer.parseInt(spec.command().get(1));
            new Thread(
                            () -> {
                                try {
                                    output.next(
                                            new ExecOutput(
                                                    LogStream.STDERR,
                                                    "bye\n".getBytes(StandardCharsets.UTF_8)));
                                } catch (InterruptedException e) {
                                    return;
                                }
                                exit.complete(code);
                                openExecSessions.decrementAndGet();
                                output.complete();
                            })
                    .start();
        }
        return new ExecSession() {
            @Override
            public void writeStdin(byte[] bytes) {
                try {
                    output.next(new ExecOutput(LogStream.STDOUT, bytes));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void closeStdin() {
                if (exit.complete(0)) {
                    openExecSessions.decrementAndGet();
                    output.complete();
                }
            }

            @Override
            public void resize(int columns, int rows) {}

            @Override
            public CompletionStage<Integer> exitCode() {
                return exit;
            }

            @Override
            public void close() {
                if (exit.complete(137)) {
                    openExecSessions.decrementAndGet();
                }
            }
        };
    }
}
