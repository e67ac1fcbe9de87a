package ai.hanzo.node.rpc.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.node.NodeState;
import ai.hanzo.node.proto.v1.CommandType;
import ai.hanzo.node.proto.v1.GetEventsRequest;
import ai.hanzo.node.proto.v1.GetHealthRequest;
import ai.hanzo.node.proto.v1.GetHealthResponse;
import ai.hanzo.node.proto.v1.GetMetricsRequest;
import ai.hanzo.node.proto.v1.GetStatusRequest;
import ai.hanzo.node.proto.v1.GetStatusResponse;
import ai.hanzo.node.proto.v1.HealthStatus;
import ai.hanzo.node.proto.v1.HeartbeatRequest;
import ai.hanzo.node.proto.v1.HeartbeatResponse;
import ai.hanzo.node.proto.v1.MetricsResponse;
import ai.hanzo.node.proto.v1.NodeCapabilities;
import ai.hanzo.node.proto.v1.NodeMetrics;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import ai.hanzo.node.proto.v1.RegisterNodeRequest;
import ai.hanzo.node.proto.v1.RegisterNodeResponse;
import ai.hanzo.node.proto.v1.UpdateCapabilitiesRequest;
import ai.hanzo.node.proto.v1.UpdateCapabilitiesResponse;
import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every NodeService RPC that needs no Orchestrator, through a real client over a real channel. */
class NodeServiceRpcTest {
    @TempDir Path data;
    private ServerHarness harness;
    private NodeServiceGrpc.NodeServiceBlockingStub anonymous;

    @BeforeEach
    void start() throws Exception {
        harness =
                new ServerHarness(
                        data,
                        Map.of("maxInboundMessageBytes", 64 * 1024, "shutdownGraceSeconds", 0));
        anonymous = NodeServiceGrpc.newBlockingStub(harness.channel());
    }

    @AfterEach
    void stop() throws Exception {
        harness.close();
    }

    private NodeServiceGrpc.NodeServiceBlockingStub as(Role role) {
        return harness.as(anonymous, role);
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

    @Test
    void healthIsAnonymousAndFollowsTheStateAndTheProfile() {
        GetHealthResponse health = anonymous.getHealth(GetHealthRequest.getDefaultInstance());
        assertEquals(HealthStatus.HEALTH_STATUS_HEALTHY, health.getStatus());
        assertEquals("1.2.3", health.getVersion());
        assertEquals(List.of("all-minilm-l6-v2"), health.getModelsList());
        assertEquals("hanzo-test", health.getConsensus().getNetworkId());
        assertFalse(health.getConsensus().getSynced(), "no chain");
        harness.node.moveTo(NodeState.DRAINING);
        assertEquals(
                HealthStatus.HEALTH_STATUS_DEGRADED,
                anonymous.getHealth(GetHealthRequest.getDefaultInstance()).getStatus());
        harness.node.moveTo(NodeState.STOPPED);
        assertEquals(
                HealthStatus.HEALTH_STATUS_UNHEALTHY,
                anonymous.getHealth(GetHealthRequest.getDefaultInstance()).getStatus());
    }

    @Test
    void healthChecksWithoutAnAuthorizationHeaderAreAnsweredInlineOtherCallsOnThePool() {
        java.util.concurrent.Executor pool = Runnable::run;
        java.util.concurrent.atomic.AtomicBoolean statusAtHand =
                new java.util.concurrent.atomic.AtomicBoolean();
        GrpcServer.InlineCheapCalls supplier =
                new GrpcServer.InlineCheapCalls(pool, statusAtHand::get);
        Metadata none = new Metadata();
        Metadata apiKey = new Metadata();
        apiKey.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), "hzk_x");
        Metadata bearer = new Metadata();
        bearer.put(AuthInterceptor.AUTHORIZATION, "Bearer x.y.z");
        assertNull(
                supplier.getExecutor(callOf(NodeServiceGrpc.getGetHealthMethod()), none),
                "an anonymous health check stays on the transport thread");
        assertNull(
                supplier.getExecutor(callOf(NodeServiceGrpc.getGetHealthMethod()), apiKey),
                "with an API key too");
        assertSame(
                pool,
                supplier.getExecutor(callOf(NodeServiceGrpc.getGetHealthMethod()), bearer),
                "an authorization header (a JWT's check is real work) goes to the pool");
        assertSame(
                pool,
                supplier.getExecutor(callOf(NodeServiceGrpc.getGetStatusMethod()), apiKey),
                "GetStatus goes to the pool while its deployment list is not at hand");
        statusAtHand.set(true);
        assertNull(
                supplier.getExecutor(callOf(NodeServiceGrpc.getGetStatusMethod()), apiKey),
                "GetStatus stays on the transport thread while its deployment list is at hand");
        assertSame(
                pool,
                supplier.getExecutor(callOf(NodeServiceGrpc.getGetStatusMethod()), bearer),
                "a GetStatus with a JWT goes to the pool");
        assertSame(
                pool,
                supplier.getExecutor(callOf(NodeServiceGrpc.getHeartbeatMethod()), apiKey),
                "every other RPC goes to the pool");

        // over a real channel, where the handler ran: every time, not only usually (the server's
        // default executor is the direct one, so grpc-java's method lookup no longer hops to the
        // pool and takes the call's first steps with it; see InlineCheapCalls)
        for (int i = 0; i < 50; i++) {
            assertEquals(
                    HealthStatus.HEALTH_STATUS_HEALTHY,
                    anonymous.getHealth(GetHealthRequest.getDefaultInstance()).getStatus());
            String anonymousThread = harness.node.profile.readBy;
            assertTrue(
                    anonymousThread.startsWith("hanzo-grpc-")
                            && !anonymousThread.startsWith("hanzo-grpc-call-"),
                    "an anonymous health check is answered on a transport thread: "
                            + anonymousThread);
            as(Role.VIEWER).getHealth(GetHealthRequest.getDefaultInstance());
            assertFalse(
                    harness.node.profile.readBy.startsWith("hanzo-grpc-call-"),
                    "with an API key too: " + harness.node.profile.readBy);
            ServerHarness.bearer(
                            NodeServiceGrpc.newBlockingStub(harness.channel()),
                            harness.keys.get(Role.VIEWER))
                    .getHealth(GetHealthRequest.getDefaultInstance());
            assertTrue(
                    harness.node.profile.readBy.startsWith("hanzo-grpc-call-"),
                    "an authorization header goes to the pool: " + harness.node.profile.readBy);
        }
    }

    private static <Q, R> ServerCall<Q, R> callOf(MethodDescriptor<Q, R> method) {
        return new ServerCall<>() {
            @Override
            public void request(int count) {}

            @Override
            public void sendHeaders(Metadata headers) {}

            @Override
            public void sendMessage(R message) {}

            @Override
            public void close(Status status, Metadata trailers) {}

            @Override
            public boolean isCancelled() {
                return false;
            }

            @Override
            public MethodDescriptor<Q, R> getMethodDescriptor() {
                return method;
            }
        };
    }

    @Test
    void statusCarriesStateUptimeAndProfileMetrics() {
        GetStatusResponse status = as(Role.VIEWER).getStatus(GetStatusRequest.getDefaultInstance());
        assertEquals(ai.hanzo.node.proto.v1.NodeState.NODE_STATE_READY, status.getState());
        assertEquals(42, status.getUptimeSeconds());
        assertEquals(0.25, status.getMetrics().getCpuUsage());
        assertEquals(0.5, status.getMetrics().getMemoryUsage());
        assertEquals(3, status.getMetrics().getActiveContainers());
        assertEquals(0, status.getDeploymentsCount(), "no Orchestrator, no deployments");
        fails(
                Status.Code.NOT_FOUND,
                "node other is not this node (n1)",
                () ->
                        as(Role.VIEWER)
                                .getStatus(
                                        GetStatusRequest.newBuilder().setNodeId("other").build()));
    }

    @Test
    void metricsStreamAtTheRequestedIntervalWithFreshReadings() {
        Iterator<MetricsResponse> stream =
                as(Role.VIEWER)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getMetrics(GetMetricsRequest.newBuilder().setIntervalSeconds(1).build());
        MetricsResponse first = stream.next();
        MetricsResponse second = stream.next();
        assertTrue(
                second.getMetrics().getNetworkRxBytes() > first.getMetrics().getNetworkRxBytes(),
                "each message is a new reading");
        assertTrue(second.getTimestamp() >= first.getTimestamp());
        assertTrue(Math.abs(first.getTimestamp() - Instant.now().getEpochSecond()) < 5);
        fails(
                Status.Code.INVALID_ARGUMENT,
                "interval_seconds 86400 is over the limit of 3600",
                () ->
                        as(Role.VIEWER)
                                .getMetrics(
                                        GetMetricsRequest.newBuilder()
                                                .setIntervalSeconds(86400)
                                                .build())
                                .hasNext());
    }

    @Test
    void cancellingAMetricsStreamStopsItsTimerAtOnce() {
        Context.CancellableContext context = Context.current().withCancellation();
        AtomicReference<Iterator<MetricsResponse>> stream = new AtomicReference<>();
        context.run(
                () ->
                        stream.set(
                                as(Role.VIEWER)
                                        .getMetrics(
                                                GetMetricsRequest.newBuilder()
                                                        .setIntervalSeconds(1)
                                                        .build())));
        stream.get().next();
        // the test scheduler records a timer just after starting it, so the first reading can
        // arrive before the timer is counted
        await().atMost(5, TimeUnit.SECONDS)
                .until(() -> harness.node.scheduler.periodic("GetMetrics stream") == 1);
        context.cancel(null);
        await().atMost(5, TimeUnit.SECONDS)
                .until(() -> harness.node.scheduler.periodic("GetMetrics stream") == 0);
    }

    @Test
    void eventsArriveLiveFilteredByType() throws Exception {
        List<ai.hanzo.node.proto.v1.NodeEvent> received = new CopyOnWriteArrayList<>();
        CountDownLatch two = new CountDownLatch(2);
        NodeServiceGrpc.NodeServiceStub async =
                harness.as(NodeServiceGrpc.newStub(harness.channel()), Role.VIEWER);
        async.getEvents(
                GetEventsRequest.newBuilder().addEventTypes("deployment.state").build(),
                new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(ai.hanzo.node.proto.v1.NodeEvent value) {
                        received.add(value);
                        two.countDown();
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                });
        await().atMost(5, TimeUnit.SECONDS).until(() -> harness.node.bus.subscribers.size() == 1);
        harness.node.bus.publish(NodeEvent.now("node.state", "node", "n1", "draining"));
        harness.node.bus.publish(
                new NodeEvent(
                        Instant.ofEpochSecond(1000),
                        "deployment.state",
                        "deployment",
                        "d1",
                        "running",
                        Map.of("state", "running")));
        harness.node.bus.publish(NodeEvent.now("deployment.state", "deployment", "d2", "failed"));
        assertTrue(two.await(5, TimeUnit.SECONDS));
        assertEquals(List.of("d1", "d2"), received.stream().map(e -> e.getResourceId()).toList());
        assertEquals(1000, received.get(0).getTimestamp());
        assertEquals("running", received.get(0).getAttributesMap().get("state"));
    }

    /**
     * A client that reads nothing while 20,000 events of 4 KB (80 MB) are published: the server
     * keeps at most its buffer plus what the transport window holds, and the reader then gets the
     * newest events, the oldest having been dropped.
     */
    @Test
    void aSlowEventReaderHoldsBoundedMemoryAndCancellingReleasesTheSubscription() throws Exception {
        List<ai.hanzo.node.proto.v1.NodeEvent> received = new CopyOnWriteArrayList<>();
        AtomicReference<ClientCallStreamObserver<GetEventsRequest>> call = new AtomicReference<>();
        NodeServiceGrpc.NodeServiceStub async =
                harness.as(NodeServiceGrpc.newStub(harness.channel()), Role.VIEWER);
        async.getEvents(
                GetEventsRequest.getDefaultInstance(),
                new ClientResponseObserver<GetEventsRequest, ai.hanzo.node.proto.v1.NodeEvent>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<GetEventsRequest> stream) {
                        call.set(stream);
                        stream.disableAutoRequestWithInitial(0);
                    }

                    @Override
                    public void onNext(ai.hanzo.node.proto.v1.NodeEvent value) {
                        received.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                });
        await().atMost(5, TimeUnit.SECONDS).until(() -> harness.node.bus.subscribers.size() == 1);
        String payload = "x".repeat(4096);
        int published = 20_000;
        for (int i = 0; i < published; i++) {
            harness.node.bus.publish(NodeEvent.now("log", "node", "e" + i, payload));
        }
        call.get().request(published);
        await().atMost(10, TimeUnit.SECONDS)
                .until(
                        () ->
                                !received.isEmpty()
                                        && received.get(received.size() - 1)
                                                .getResourceId()
                                                .equals("e" + (published - 1)));
        int bound = NodeGrpcService.EVENT_BUFFER + 1024 * 1024 / payload.length() + 64;
        assertTrue(
                received.size() <= bound,
                received.size() + " events reached the reader; at most " + bound + " may be held");
        call.get().cancel("done", null);
        await().atMost(5, TimeUnit.SECONDS).until(() -> harness.node.bus.subscribers.isEmpty());
    }

    private static byte[] libp2pKey(KeyPair pair) {
        byte[] spki = pair.getPublic().getEncoded();
        byte[] raw = java.util.Arrays.copyOfRange(spki, spki.length - 32, spki.length);
        byte[] encoded = new byte[4 + 32];
        encoded[0] = 0x08;
        encoded[1] = 0x01;
        encoded[2] = 0x12;
        encoded[3] = 0x20;
        System.arraycopy(raw, 0, encoded, 4, 32);
        return encoded;
    }

    private static byte[] sign(KeyPair pair, byte[] challenge, String nodeId) throws Exception {
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(pair.getPrivate());
        signer.update(NodeRegistryService.proofMessage(challenge, nodeId));
        return signer.sign();
    }

    private NodeServiceGrpc.NodeServiceBlockingStub withProof(byte[] signature) {
        Metadata headers = new Metadata();
        headers.put(
                NodeGrpcService.REGISTRATION_PROOF, Base64.getEncoder().encodeToString(signature));
        return as(Role.NODE).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private RegisterNodeRequest registration(KeyPair pair, String nodeId) {
        return RegisterNodeRequest.newBuilder()
                .setNodeId(nodeId)
                .setOperatorAddress("0x" + "ab".repeat(20))
                .setEndpoint("127.0.0.1:50052")
                .setCapabilities(
                        NodeCapabilities.newBuilder().setCpuCores(4).addSupportedRuntimes("docker"))
                .setPublicKey(ByteString.copyFrom(libp2pKey(pair)))
                .build();
    }

    private String register(KeyPair pair, String nodeId) throws Exception {
        RegisterNodeRequest request = registration(pair, nodeId);
        RegisterNodeResponse challenge = as(Role.NODE).registerNode(request);
        assertFalse(challenge.getSuccess(), "not active before the proof");
        assertEquals(32, challenge.getChallenge().size());
        assertTrue(
                challenge.getMessage().contains("x-hanzo-registration-proof"),
                challenge.getMessage());
        String id = challenge.getAssignedNodeId();
        RegisterNodeResponse done =
                withProof(sign(pair, challenge.getChallenge().toByteArray(), id))
                        .registerNode(request);
        assertTrue(done.getSuccess(), done.getMessage());
        return id;
    }

    @Test
    void registrationBecomesActiveOnlyWithProofOfTheKeyAndPersists() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        RegisterNodeRequest request = registration(pair, "worker-1");
        RegisterNodeResponse challenge = as(Role.NODE).registerNode(request);
        assertTrue(harness.published.node("worker-1").isEmpty(), "inactive until proven");

        KeyPair impostor = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        fails(
                Status.Code.UNAUTHENTICATED,
                "the registration proof does not verify with public_key",
                () ->
                        withProof(
                                        sign(
                                                impostor,
                                                challenge.getChallenge().toByteArray(),
                                                "worker-1"))
                                .registerNode(request));
        fails(
                Status.Code.UNAUTHENTICATED,
                "does not verify",
                () ->
                        withProof(sign(pair, challenge.getChallenge().toByteArray(), "worker-2"))
                                .registerNode(request));
        RegisterNodeResponse done =
                withProof(sign(pair, challenge.getChallenge().toByteArray(), "worker-1"))
                        .registerNode(request);
        assertTrue(done.getSuccess());
        assertEquals("worker-1", done.getAssignedNodeId());
        var registered = harness.published.node("worker-1").orElseThrow();
        assertEquals("0x" + "ab".repeat(20), registered.operatorAddress());
        assertEquals(List.of("docker"), registered.capabilities().runtimes());
        assertTrue(registered.peerId().startsWith("12D3KooW"), registered.peerId());
        assertTrue(
                harness.node.store.kv.containsKey("registry/node/worker-1"), "kept in the store");

        fails(
                Status.Code.FAILED_PRECONDITION,
                "no challenge is pending for node worker-1",
                () ->
                        withProof(sign(pair, challenge.getChallenge().toByteArray(), "worker-1"))
                                .registerNode(request));
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        fails(
                Status.Code.ALREADY_EXISTS,
                "node worker-1 is already registered with another public key",
                () -> as(Role.NODE).registerNode(registration(other, "worker-1")));
    }

    @Test
    void anEmptyNodeIdIsAssignedThePeerIdOfTheKey() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String id = register(pair, "");
        assertEquals(Libp2pKeys.peerId(libp2pKey(pair)), id);
        assertTrue(id.startsWith("12D3KooW"), id);
    }

    @Test
    void badRegistrationsAreRefusedWithTheFieldNamed() {
        fails(
                Status.Code.INVALID_ARGUMENT,
                "public_key is empty",
                () ->
                        as(Role.NODE)
                                .registerNode(
                                        RegisterNodeRequest.newBuilder().setNodeId("w").build()));
        fails(
                Status.Code.INVALID_ARGUMENT,
                "public_key is not a protobuf-encoded libp2p PublicKey",
                () ->
                        as(Role.NODE)
                                .registerNode(
                                        RegisterNodeRequest.newBuilder()
                                                .setPublicKey(
                                                        ByteString.copyFrom(
                                                                new byte[] {(byte) 0xff, 1, 2}))
                                                .build()));
        fails(
                Status.Code.INVALID_ARGUMENT,
                "public_key type 0 is not supported",
                () ->
                        as(Role.NODE)
                                .registerNode(
                                        RegisterNodeRequest.newBuilder()
                                                .setPublicKey(
                                                        ByteString.copyFrom(
                                                                new byte[] {
                                                                    0x08, 0x00, 0x12, 0x01, 0x01
                                                                }))
                                                .build()));
        fails(
                Status.Code.INVALID_ARGUMENT,
                "operator_address '0x12' is not 0x followed by 40 hex digits",
                () -> {
                    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                    as(Role.NODE)
                            .registerNode(
                                    registration(pair, "w").toBuilder()
                                            .setOperatorAddress("0x12")
                                            .build());
                });
        fails(
                Status.Code.INVALID_ARGUMENT,
                "x-hanzo-registration-proof is not base64",
                () -> {
                    Metadata headers = new Metadata();
                    headers.put(NodeGrpcService.REGISTRATION_PROOF, "***");
                    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                    as(Role.NODE)
                            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                            .registerNode(registration(pair, "w"));
                });
        fails(
                Status.Code.PERMISSION_DENIED,
                "role viewer lacks node/create",
                () -> as(Role.VIEWER).registerNode(RegisterNodeRequest.getDefaultInstance()));
    }

    @Test
    void anOversizedMessageIsRefusedWithItsSize() {
        StatusRuntimeException e =
                assertThrows(
                        StatusRuntimeException.class,
                        () ->
                                as(Role.NODE)
                                        .registerNode(
                                                RegisterNodeRequest.newBuilder()
                                                        .setEndpoint("x".repeat(100_000))
                                                        .build()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertTrue(
                e.getStatus().getDescription().contains("65536"), e.getStatus().getDescription());
    }

    @Test
    void heartbeatsAreRecordedAndDeliverQueuedCommandsOnce() throws Exception {
        fails(
                Status.Code.NOT_FOUND,
                "node ghost is not registered here",
                () ->
                        as(Role.NODE)
                                .heartbeat(
                                        HeartbeatRequest.newBuilder().setNodeId("ghost").build()));
        String id = register(KeyPairGenerator.getInstance("Ed25519").generateKeyPair(), "worker-9");
        String first = harness.published.queueCommand(id, "drain", new byte[] {1});
        String second = harness.published.queueCommand(id, "deploy", new byte[] {2});
        HeartbeatResponse beat =
                as(Role.NODE)
                        .heartbeat(
                                HeartbeatRequest.newBuilder()
                                        .setNodeId(id)
                                        .setTimestamp(1)
                                        .setMetrics(NodeMetrics.newBuilder().setCpuUsage(0.9))
                                        .build());
        assertTrue(beat.getAcknowledged());
        assertTrue(Math.abs(beat.getServerTimestamp() - Instant.now().getEpochSecond()) < 5);
        assertEquals(
                List.of(first, second),
                beat.getPendingCommandsList().stream().map(c -> c.getCommandId()).toList());
        assertEquals(CommandType.COMMAND_TYPE_DRAIN, beat.getPendingCommands(0).getType());
        assertArrayEquals(new byte[] {2}, beat.getPendingCommands(1).getPayload().toByteArray());
        assertEquals(
                0,
                as(Role.NODE)
                        .heartbeat(HeartbeatRequest.newBuilder().setNodeId(id).build())
                        .getPendingCommandsCount(),
                "delivered once");
        var node = harness.published.node(id).orElseThrow();
        assertTrue(node.lastHeartbeat().isPresent());
        assertThrows(
                ai.hanzo.node.api.InvalidArgumentException.class,
                () -> harness.published.queueCommand(id, "explode", new byte[0]));
    }

    @Test
    void updateCapabilitiesMeasuresThisNodeAgainOrStoresARegisteredOne() throws Exception {
        UpdateCapabilitiesResponse own =
                as(Role.NODE).updateCapabilities(UpdateCapabilitiesRequest.getDefaultInstance());
        assertTrue(own.getSuccess());
        assertEquals(1, harness.node.profile.refreshes.get());
        assertTrue(own.getMessage().contains("runtimes [process]"), own.getMessage());
        String id = register(KeyPairGenerator.getInstance("Ed25519").generateKeyPair(), "worker-3");
        as(Role.NODE)
                .updateCapabilities(
                        UpdateCapabilitiesRequest.newBuilder()
                                .setNodeId(id)
                                .setCapabilities(
                                        NodeCapabilities.newBuilder()
                                                .setCpuCores(64)
                                                .addSupportedRuntimes("firecracker"))
                                .build());
        assertEquals(64, harness.published.node(id).orElseThrow().capabilities().cpuCores());
        fails(
                Status.Code.NOT_FOUND,
                "node nobody is not registered here",
                () ->
                        as(Role.NODE)
                                .updateCapabilities(
                                        UpdateCapabilitiesRequest.newBuilder()
                                                .setNodeId("nobody")
                                                .build()));
    }
}
