package ai.hanzo.node.rpc.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.compute.DependencyCondition;
import ai.hanzo.node.api.compute.ServiceSpec;
import ai.hanzo.node.proto.v1.ComposeSpec;
import ai.hanzo.node.proto.v1.ContainerInfo;
import ai.hanzo.node.proto.v1.DependsOn;
import ai.hanzo.node.proto.v1.DeployRequest;
import ai.hanzo.node.proto.v1.DeployResponse;
import ai.hanzo.node.proto.v1.DeploySpec;
import ai.hanzo.node.proto.v1.ExecInput;
import ai.hanzo.node.proto.v1.ExecOutput;
import ai.hanzo.node.proto.v1.GetLogsRequest;
import ai.hanzo.node.proto.v1.GetStatusRequest;
import ai.hanzo.node.proto.v1.InspectContainerRequest;
import ai.hanzo.node.proto.v1.ListContainersRequest;
import ai.hanzo.node.proto.v1.LogEntry;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import ai.hanzo.node.proto.v1.RemoveRequest;
import ai.hanzo.node.proto.v1.ScaleRequest;
import ai.hanzo.node.proto.v1.ScaleResponse;
import ai.hanzo.node.proto.v1.ServiceSpec.Builder;
import ai.hanzo.node.proto.v1.StopRequest;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Orchestrator-backed RPCs over a real channel, on a test Orchestrator. */
class DeploymentRpcTest {
    @TempDir Path data;
    private ServerHarness harness;
    private final TestOrchestrator orchestrator = new TestOrchestrator();
    private NodeServiceGrpc.NodeServiceBlockingStub operator;
    private NodeServiceGrpc.NodeServiceBlockingStub viewer;

    @BeforeEach
    void start() throws Exception {
        harness = new ServerHarness(data, Map.of("shutdownGraceSeconds", 0));
        harness.server.setOrchestrator(orchestrator);
        NodeServiceGrpc.NodeServiceBlockingStub base =
                NodeServiceGrpc.newBlockingStub(harness.channel());
        operator = harness.as(base, Role.OPERATOR);
        viewer = harness.as(base, Role.VIEWER);
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    private static StatusRuntimeException fails(Status.Code code, String message, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        assertTrue(
                e.getStatus().getDescription() != null
                        && e.getStatus().getDescription().contains(message),
                e.getStatus().getDescription());
        return e;
    }

    private static DeployRequest web(String id) {
        Builder web =
                ai.hanzo.node.proto.v1.ServiceSpec.newBuilder()
                        .setImage("busybox:local")
                        .addCommand("httpd")
                        .setDeploy(DeploySpec.newBuilder().setReplicas(2))
                        .putDependsOn(
                                "db",
                                DependsOn.newBuilder()
                                        .setCondition("service_healthy")
                                        .setRequired(true)
                                        .build());
        return DeployRequest.newBuilder()
                .setDeploymentId(id)
                .setName("shop")
                .setSpec(
                        ComposeSpec.newBuilder()
                                .putServices("web", web.build())
                                .putServices(
                                        "db",
                                        ai.hanzo.node.proto.v1.ServiceSpec.newBuilder()
                                                .setImage("busybox:local")
                                                .build()))
                .build();
    }

    @Test
    void deployMapsTheComposeSpecAndRefusesDuplicatesAndBadSpecs() {
        DeployResponse deployed = operator.deploy(web("d1"));
        assertTrue(deployed.getSuccess());
        assertEquals("d1", deployed.getDeploymentId());
        assertEquals(List.of("127.0.0.1:8081"), deployed.getEndpointsList());
        ServiceSpec web = orchestrator.deployments.get("d1").spec().services().get("web");
        assertEquals("busybox:local", web.image());
        assertEquals(2, web.replicas());
        assertEquals(DependencyCondition.SERVICE_HEALTHY, web.dependsOn().get("db").condition());
        fails(
                Status.Code.ALREADY_EXISTS,
                "deployment d1 already exists",
                () -> operator.deploy(web("d1")));
        fails(
                Status.Code.INVALID_ARGUMENT,
                "spec has no services",
                () -> operator.deploy(DeployRequest.newBuilder().setDeploymentId("d9").build()));
        DeployRequest badCondition =
                web("d2").toBuilder()
                        .setSpec(
                                web("d2").getSpec().toBuilder()
                                        .putServices(
                                                "web",
                                                web("d2")
                                                        .getSpec()
                                                        .getServicesOrThrow("web")
                                                        .toBuilder()
                                                        .putDependsOn(
                                                                "db",
                                                                DependsOn.newBuilder()
                                                                        .setCondition("sometimes")
                                                                        .build())
                                                        .build()))
                        .build();
        fails(
                Status.Code.INVALID_ARGUMENT,
                "services.web.depends_on.db.condition 'sometimes' is not",
                () -> operator.deploy(badCondition));
        orchestrator.draining = true;
        fails(
                Status.Code.FAILED_PRECONDITION,
                "node is draining",
                () -> operator.deploy(web("d3")));
        fails(
                Status.Code.PERMISSION_DENIED,
                "role viewer lacks deployment/create",
                () -> viewer.deploy(web("d4")));
    }

    @Test
    void getStatusSeesChangesMadeThroughThisServerAtOnceAndOthersWithinItsMaxAge() {
        // GetStatus shares one reading of the deployments for up to STATUS_MAX_AGE; a Deploy,
        // Stop, Scale or Remove through the server makes the next GetStatus read afresh
        assertEquals(
                0, viewer.getStatus(GetStatusRequest.getDefaultInstance()).getDeploymentsCount());
        operator.deploy(web("d1"));
        var status = viewer.getStatus(GetStatusRequest.getDefaultInstance());
        assertEquals(
                List.of("d1"),
                status.getDeploymentsList().stream().map(d -> d.getDeploymentId()).toList());
        assertEquals(2, status.getDeployments(0).getReplicas());
        // a change behind the server's back (another bundle using the Orchestrator) shows within
        // the max age
        orchestrator.remove("d1", false);
        await().atMost(Duration.ofSeconds(5))
                .until(
                        () ->
                                viewer.getStatus(GetStatusRequest.getDefaultInstance())
                                                .getDeploymentsCount()
                                        == 0);
        operator.deploy(web("d2"));
        assertEquals(
                1, viewer.getStatus(GetStatusRequest.getDefaultInstance()).getDeploymentsCount());
        operator.remove(RemoveRequest.newBuilder().setDeploymentId("d2").build());
        assertEquals(
                0, viewer.getStatus(GetStatusRequest.getDefaultInstance()).getDeploymentsCount());
    }

    @Test
    void getStatusRunsOnTheTransportThreadWhileItsListIsAtHandAndNeverAsksTheOrchestratorThere() {
        // the first call has no list yet: it goes to the pool and reads one there
        viewer.getStatus(GetStatusRequest.getDefaultInstance());
        assertTrue(
                harness.node.profile.metricsReadBy.startsWith("hanzo-grpc-call-"),
                harness.node.profile.metricsReadBy);
        // with a list at hand it is answered where it arrived (awaited, not asserted per call: a
        // machine that stalls past STATUS_INLINE_LIMIT between two calls sends one to the pool)
        await().atMost(Duration.ofSeconds(5))
                .until(
                        () -> {
                            viewer.getStatus(GetStatusRequest.getDefaultInstance());
                            String thread = harness.node.profile.metricsReadBy;
                            return thread.startsWith("hanzo-grpc-")
                                    && !thread.startsWith("hanzo-grpc-call-");
                        });
        // a change through this server: the next call reads afresh, on the pool
        operator.deploy(web("d1"));
        assertEquals(
                1, viewer.getStatus(GetStatusRequest.getDefaultInstance()).getDeploymentsCount());
        assertTrue(
                harness.node.profile.metricsReadBy.startsWith("hanzo-grpc-call-"),
                harness.node.profile.metricsReadBy);
        // calls past the max age get the last list while its successor is read on the pool
        int readingsBefore = orchestrator.statusReaders.size();
        await().atMost(Duration.ofSeconds(5))
                .until(
                        () -> {
                            viewer.getStatus(GetStatusRequest.getDefaultInstance());
                            return orchestrator.statusReaders.size() > readingsBefore;
                        });
        assertFalse(orchestrator.statusReaders.isEmpty());
        for (String reader : orchestrator.statusReaders) {
            assertTrue(
                    reader.startsWith("hanzo-grpc-call-"),
                    "the Orchestrator is only ever asked on the pool: " + reader);
        }
    }

    @Test
    void stopRemoveAndScaleNameWhatIsWrong() {
        operator.deploy(web("d1"));
        assertTrue(
                operator.stop(StopRequest.newBuilder().setDeploymentId("d1").setForce(true).build())
                        .getSuccess());
        ScaleResponse scaled =
                operator.scale(
                        ScaleRequest.newBuilder()
                                .setDeploymentId("d1")
                                .setServiceName("web")
                                .setReplicas(5)
                                .build());
        assertEquals(2, scaled.getPreviousReplicas());
        assertEquals(5, scaled.getCurrentReplicas());
        fails(
                Status.Code.NOT_FOUND,
                "deployment d1 has no service cache",
                () ->
                        operator.scale(
                                ScaleRequest.newBuilder()
                                        .setDeploymentId("d1")
                                        .setServiceName("cache")
                                        .setReplicas(1)
                                        .build()));
        fails(
                Status.Code.INVALID_ARGUMENT,
                "service_name is empty",
                () -> operator.scale(ScaleRequest.newBuilder().setDeploymentId("d1").build()));
        fails(
                Status.Code.NOT_FOUND,
                "deployment nope not found",
                () -> operator.stop(StopRequest.newBuilder().setDeploymentId("nope").build()));
        fails(
                Status.Code.INVALID_ARGUMENT,
                "deployment_id is empty",
                () -> operator.remove(RemoveRequest.getDefaultInstance()));
        var status = viewer.getStatus(GetStatusRequest.getDefaultInstance());
        assertEquals(1, status.getDeploymentsCount());
        assertEquals("running", status.getDeployments(0).getStatus());
        assertEquals(2, status.getDeployments(0).getReplicas());
        assertEquals(1, status.getDeployments(0).getReadyReplicas());
        assertTrue(
                operator.remove(RemoveRequest.newBuilder().setDeploymentId("d1").build())
                        .getSuccess());
        fails(
                Status.Code.PERMISSION_DENIED,
                "lacks deployment/delete",
                () -> viewer.remove(RemoveRequest.newBuilder().setDeploymentId("d1").build()));
    }

    @Test
    void logsWithoutFollowEndAfterTheirLines() {
        operator.deploy(web("d1"));
        Iterator<LogEntry> logs =
                viewer.getLogs(
                        GetLogsRequest.newBuilder().setDeploymentId("d1").setTail(5).build());
        List<LogEntry> all = new ArrayList<>();
        logs.forEachRemaining(all::add);
        assertEquals(5, all.size());
        assertEquals("line 0", all.get(0).getMessage());
        assertEquals("stdout", all.get(0).getStream());
        assertEquals("stderr", all.get(1).getStream());
        assertEquals("web", all.get(0).getService());
        assertEquals(1_000_000, all.get(0).getTimestamp());
        fails(
                Status.Code.NOT_FOUND,
                "deployment ghost not found",
                () ->
                        operator.getLogs(
                                        GetLogsRequest.newBuilder()
                                                .setDeploymentId("ghost")
                                                .build())
                                .hasNext());
    }

    /**
     * A follow stream whose client stops reading: the producer waits (its count stops growing), so
     * memory stays bounded; cancelling releases the producer at once.
     */
    @ParameterizedTest(name = "max_lines_per_message {0}")
    @ValueSource(ints = {0, 100})
    void aFollowStreamWaitsForASlowReaderAndCancellingReleasesTheProducer(int perMessage)
            throws Exception {
        operator.deploy(web("d1"));
        List<String> received = new CopyOnWriteArrayList<>();
        AtomicInteger messages = new AtomicInteger();
        AtomicInteger largest = new AtomicInteger();
        AtomicReference<ClientCallStreamObserver<GetLogsRequest>> call = new AtomicReference<>();
        harness.as(NodeServiceGrpc.newStub(harness.channel()), Role.VIEWER)
                .getLogs(
                        GetLogsRequest.newBuilder()
                                .setDeploymentId("d1")
                                .setFollow(true)
                                .setMaxLinesPerMessage(perMessage)
                                .build(),
                        new ClientResponseObserver<GetLogsRequest, LogEntry>() {
                            @Override
                            public void beforeStart(
                                    ClientCallStreamObserver<GetLogsRequest> stream) {
                                call.set(stream);
                                stream.disableAutoRequestWithInitial(10);
                            }

                            @Override
                            public void onNext(LogEntry value) {
                                received.add(value.getMessage());
                                value.getMoreList().forEach(m -> received.add(m.getMessage()));
                                largest.accumulateAndGet(1 + value.getMoreCount(), Math::max);
                                messages.incrementAndGet();
                            }

                            @Override
                            public void onError(Throwable t) {}

                            @Override
                            public void onCompleted() {}
                        });
        await().atMost(5, TimeUnit.SECONDS).until(() -> messages.get() == 10);
        // the producer fills the buffer and the transport window, then waits
        await().atMost(10, TimeUnit.SECONDS)
                .until(
                        () -> {
                            long before = orchestrator.produced.get();
                            Thread.onSpinWait();
                            CompletableFuture<Long> later = new CompletableFuture<>();
                            harness.node.scheduler.schedule(
                                    "probe",
                                    () -> later.complete(orchestrator.produced.get()),
                                    java.time.Duration.ofMillis(300));
                            return later.get() == before;
                        });
        long stalledAt = orchestrator.produced.get();
        assertTrue(stalledAt < 200_000, stalledAt + " lines produced for a reader that took 10");
        // read past every line produced before the stall: only a producer that goes on can supply
        // the next ones. How many messages that takes depends on how full the batched messages are
        // and on
        // what the transport already holds, so request more each time the last request is met
        int chunk = perMessage > 1 ? 100 : 10_000;
        AtomicInteger requested = new AtomicInteger(10);
        await().atMost(30, TimeUnit.SECONDS)
                .until(
                        () -> {
                            if (received.size() > stalledAt) {
                                return true;
                            }
                            if (messages.get() == requested.get()) {
                                requested.addAndGet(chunk);
                                call.get().request(chunk);
                            }
                            return false;
                        });
        assertTrue(
                largest.get() <= Math.max(1, perMessage), largest.get() + " lines in one message");
        if (perMessage > 1) {
            assertTrue(largest.get() > 1, "a producer ahead of the reader fills messages");
        }
        for (int i = 0; i < received.size(); i++) {
            if (!received.get(i).equals("line " + i)) {
                assertEquals("line " + i, received.get(i), "in order, none lost");
            }
        }
        call.get().cancel("enough", null);
        await().atMost(5, TimeUnit.SECONDS).until(() -> orchestrator.openLogStreams.get() == 0);
    }

    @Test
    void containersAreListedWithFiltersAndInspected() {
        assertEquals(
                List.of("c1", "c3"),
                viewer
                        .listContainers(ListContainersRequest.getDefaultInstance())
                        .getContainersList()
                        .stream()
                        .map(ContainerInfo::getId)
                        .toList());
        assertEquals(
                3,
                viewer.listContainers(ListContainersRequest.newBuilder().setAll(true).build())
                        .getContainersCount());
        assertEquals(
                List.of("c1", "c2"),
                viewer
                        .listContainers(
                                ListContainersRequest.newBuilder()
                                        .setAll(true)
                                        .putFilters("deployment", "d1")
                                        .build())
                        .getContainersList()
                        .stream()
                        .map(ContainerInfo::getId)
                        .toList());
        assertEquals(
                List.of("c2"),
                viewer
                        .listContainers(
                                ListContainersRequest.newBuilder()
                                        .putFilters("state", "exited")
                                        .build())
                        .getContainersList()
                        .stream()
                        .map(ContainerInfo::getId)
                        .toList());
        assertEquals(
                List.of("c3"),
                viewer
                        .listContainers(
                                ListContainersRequest.newBuilder().putFilters("name", "db").build())
                        .getContainersList()
                        .stream()
                        .map(ContainerInfo::getId)
                        .toList());
        fails(
                Status.Code.INVALID_ARGUMENT,
                "filters.state 'sleeping' is not a container state",
                () ->
                        viewer.listContainers(
                                ListContainersRequest.newBuilder()
                                        .putFilters("state", "sleeping")
                                        .build()));
        ContainerInfo c1 =
                viewer.inspectContainer(
                        InspectContainerRequest.newBuilder().setContainerId("c1").build());
        assertEquals("d1-web-1", c1.getName());
        assertEquals("running", c1.getState());
        assertEquals("Up 3 minutes", c1.getStatus());
        assertEquals(1_700_000_000, c1.getCreated());
        assertEquals(List.of("127.0.0.1:8081->80/tcp"), c1.getPortsList());
        assertEquals("d1", c1.getLabelsMap().get("hanzo.deployment"));
        fails(
                Status.Code.NOT_FOUND,
                "container c9 not found",
                () ->
                        viewer.inspectContainer(
                                InspectContainerRequest.newBuilder().setContainerId("c9").build()));
        fails(
                Status.Code.INVALID_ARGUMENT,
                "container_id is empty",
                () -> viewer.inspectContainer(InspectContainerRequest.getDefaultInstance()));
    }

    private static final class Collector implements StreamObserver<ExecOutput> {
        final List<ExecOutput> outputs = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();

        @Override
        public void onNext(ExecOutput value) {
            outputs.add(value);
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            done.complete(null);
        }

        String stdout() {
            StringBuilder out = new StringBuilder();
            outputs.forEach(o -> out.append(o.getStdout().toString(StandardCharsets.UTF_8)));
            return out.toString();
        }
    }

    @Test
    void execStreamsStdinToTheCommandAndEndsWithTheExitCode() throws Exception {
        NodeServiceGrpc.NodeServiceStub async =
                harness.as(NodeServiceGrpc.newStub(harness.channel()), Role.OPERATOR);
        Collector echo = new Collector();
        StreamObserver<ExecInput> in = async.execInContainer(echo);
        in.onNext(
                ExecInput.newBuilder()
                        .setContainerId("c1")
                        .addCommand("cat")
                        .setStdin(ByteString.copyFromUtf8("hello "))
                        .build());
        in.onNext(ExecInput.newBuilder().setStdin(ByteString.copyFromUtf8("world")).build());
        in.onCompleted();
        echo.done.get(10, TimeUnit.SECONDS);
        assertEquals("hello world", echo.stdout());
        ExecOutput last = echo.outputs.get(echo.outputs.size() - 1);
        assertTrue(last.getDone());
        assertEquals(0, last.getExitCode());

        Collector exit = new Collector();
        StreamObserver<ExecInput> exitIn = async.execInContainer(exit);
        exitIn.onNext(
                ExecInput.newBuilder()
                        .setContainerId("c1")
                        .addCommand("exit")
                        .addCommand("3")
                        .build());
        exit.done.get(10, TimeUnit.SECONDS);
        assertEquals("bye\n", exit.outputs.get(0).getStderr().toString(StandardCharsets.UTF_8));
        assertEquals(3, exit.outputs.get(1).getExitCode());
        assertTrue(exit.outputs.get(1).getDone());
        exitIn.onCompleted();
    }

    @Test
    void execRefusesBadInputAndCancellingEndsTheSession() throws Exception {
        NodeServiceGrpc.NodeServiceStub async =
                harness.as(NodeServiceGrpc.newStub(harness.channel()), Role.OPERATOR);
        Collector unknown = new Collector();
        async.execInContainer(unknown)
                .onNext(ExecInput.newBuilder().setContainerId("c9").addCommand("sh").build());
        Status notFound =
                Status.fromThrowable(
                        assertThrows(Exception.class, () -> unknown.done.get(10, TimeUnit.SECONDS))
                                .getCause());
        assertEquals(Status.Code.NOT_FOUND, notFound.getCode());
        assertTrue(
                notFound.getDescription().contains("container c9 not found"),
                notFound.getDescription());

        Collector empty = new Collector();
        async.execInContainer(empty).onNext(ExecInput.newBuilder().setContainerId("c1").build());
        Throwable failure =
                assertThrows(Exception.class, () -> empty.done.get(10, TimeUnit.SECONDS))
                        .getCause();
        assertEquals(Status.Code.INVALID_ARGUMENT, Status.fromThrowable(failure).getCode());
        assertTrue(
                Status.fromThrowable(failure)
                        .getDescription()
                        .contains("command is empty in the first ExecInput"));

        fails(
                Status.Code.PERMISSION_DENIED,
                "lacks container/execute",
                () -> {
                    Collector denied = new Collector();
                    harness.as(NodeServiceGrpc.newStub(harness.channel()), Role.VIEWER)
                            .execInContainer(denied)
                            .onNext(
                                    ExecInput.newBuilder()
                                            .setContainerId("c1")
                                            .addCommand("sh")
                                            .build());
                    try {
                        denied.done.get(5, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw (StatusRuntimeException) e.getCause();
                    }
                });

        AtomicReference<ClientCallStreamObserver<ExecInput>> call = new AtomicReference<>();
        Collector cancelled = new Collector();
        StreamObserver<ExecInput> in =
                async.execInContainer(
                        new ClientResponseObserver<ExecInput, ExecOutput>() {
                            @Override
                            public void beforeStart(ClientCallStreamObserver<ExecInput> stream) {
                                call.set(stream);
                            }

                            @Override
                            public void onNext(ExecOutput value) {
                                cancelled.onNext(value);
                            }

                            @Override
                            public void onError(Throwable t) {}

                            @Override
                            public void onCompleted() {}
                        });
        in.onNext(
                ExecInput.newBuilder()
                        .setContainerId("c1")
                        .addCommand("cat")
                        .setStdin(ByteString.copyFromUtf8("x"))
                        .build());
        await().atMost(5, TimeUnit.SECONDS).until(() -> cancelled.stdout().equals("x"));
        assertEquals(1, orchestrator.openExecSessions.get());
        call.get().cancel("user pressed ^C", null);
        await().atMost(5, TimeUnit.SECONDS).until(() -> orchestrator.openExecSessions.get() == 0);
        assertFalse(cancelled.done.isDone());
    }
}
