package ai.hanzo.node.rpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.node.HealthReport;
import ai.hanzo.node.api.node.NodeInfo;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeState;
import ai.hanzo.node.api.node.NodeStateChange;
import ai.hanzo.node.proto.v1.DeployRequest;
import ai.hanzo.node.proto.v1.GetHealthRequest;
import ai.hanzo.node.proto.v1.GetStatusRequest;
import ai.hanzo.node.proto.v1.HealthStatus;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The NodeService behind authentication, over an in-process gRPC channel, on a stub node. */
class NodeApiAuthTest {
    @TempDir Path data;

    private final StubNode node = new StubNode();
    private Server server;
    private ManagedChannel channel;
    private String adminKey;

    @BeforeEach
    void start() throws Exception {
        ApiKeys keys = ApiKeys.loadOrCreate(data);
        adminKey = Files.readString(data.resolve(ApiKeys.ADMIN_KEY_FILE)).trim();
        String name = InProcessServerBuilder.generateName();
        AuthInterceptor auth = new AuthInterceptor(keys, "the admin key is in admin.key");
        server =
                InProcessServerBuilder.forName(name)
                        .directExecutor()
                        .addService(
                                ServerInterceptors.intercept(
                                        new NodeGrpcService(
                                                node,
                                                Optional::empty,
                                                Optional::empty,
                                                () -> false),
                                        auth))
                        .build()
                        .start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private NodeServiceGrpc.NodeServiceBlockingStub client(String apiKey) {
        NodeServiceGrpc.NodeServiceBlockingStub stub = NodeServiceGrpc.newBlockingStub(channel);
        if (apiKey == null) {
            return stub;
        }
        Metadata headers = new Metadata();
        headers.put(AuthInterceptor.API_KEY, apiKey);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    @Test
    void anonymousCallersMayCheckHealth() {
        assertEquals(
                HealthStatus.HEALTH_STATUS_HEALTHY,
                client(null).getHealth(GetHealthRequest.getDefaultInstance()).getStatus());
    }

    @Test
    void healthFollowsTheNodeState() {
        node.state = NodeState.DRAINING;
        assertEquals(
                HealthStatus.HEALTH_STATUS_DEGRADED,
                client(null).getHealth(GetHealthRequest.getDefaultInstance()).getStatus());
        node.state = NodeState.STOPPED;
        assertEquals(
                HealthStatus.HEALTH_STATUS_UNHEALTHY,
                client(null).getHealth(GetHealthRequest.getDefaultInstance()).getStatus());
    }

    @Test
    void anonymousCallersCannotReadStatusAndAreToldHowToAuthenticate() {
        StatusRuntimeException error =
                assertThrows(
                        StatusRuntimeException.class,
                        () -> client(null).getStatus(GetStatusRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, error.getStatus().getCode());
        assertTrue(
                error.getStatus().getDescription().contains("metrics/read"),
                error.getStatus().getDescription());
        assertTrue(error.getStatus().getDescription().contains("x-api-key"));
    }

    @Test
    void unknownKeysAreRejected() {
        StatusRuntimeException error =
                assertThrows(
                        StatusRuntimeException.class,
                        () ->
                                client("hzk_not-a-real-key")
                                        .getHealth(GetHealthRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, error.getStatus().getCode());
    }

    @Test
    void aViewerMayReadButNotDeploy() throws Exception {
        String viewerKey = ApiKeys.newKey();
        Properties keys = new Properties();
        try (var in = Files.newBufferedReader(data.resolve(ApiKeys.KEYS_FILE))) {
            keys.load(in);
        }
        keys.setProperty(ApiKeys.hash(viewerKey), "viewer");
        try (var out = Files.newBufferedWriter(data.resolve(ApiKeys.KEYS_FILE))) {
            keys.store(out, null);
        }
        stop();
        start();
        StatusRuntimeException denied =
                assertThrows(
                        StatusRuntimeException.class,
                        () -> client(viewerKey).deploy(DeployRequest.getDefaultInstance()));
        assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
        assertTrue(denied.getStatus().getDescription().contains("deployment/create"));
    }

    @Test
    void theAdminPassesAuthenticationAndReachesTheRpc() {
        // Deploy is not built yet in this bundle: the admin gets past auth to the honest
        // UNIMPLEMENTED
        StatusRuntimeException error =
                assertThrows(
                        StatusRuntimeException.class,
                        () -> client(adminKey).deploy(DeployRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNIMPLEMENTED, error.getStatus().getCode());
    }

    @Test
    void theAdminKeyIsPrivateAndOnlyItsHashIsStored() throws Exception {
        assertTrue(adminKey.startsWith("hzk_"));
        assertEquals(
                Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(data.resolve(ApiKeys.ADMIN_KEY_FILE)));
        String stored = Files.readString(data.resolve(ApiKeys.KEYS_FILE));
        assertFalse(stored.contains(adminKey));
        assertTrue(stored.contains(ApiKeys.hash(adminKey)));
    }

    @Test
    void nodeFailuresMapToTheirGrpcCodes() {
        assertEquals(
                Status.Code.NOT_FOUND,
                ErrorStatus.of(new ai.hanzo.node.api.NotFoundException("deployment d1 not found"))
                        .getStatus()
                        .getCode());
        assertEquals(
                Status.Code.FAILED_PRECONDITION,
                ErrorStatus.of(
                                new ai.hanzo.node.api.FailedPreconditionException(
                                        "node is draining"))
                        .getStatus()
                        .getCode());
        assertEquals(
                Status.Code.INVALID_ARGUMENT,
                ErrorStatus.of(new IllegalArgumentException("bad")).getStatus().getCode());
        StatusRuntimeException internal = ErrorStatus.of(new IllegalStateException("boom"));
        assertEquals(Status.Code.INTERNAL, internal.getStatus().getCode());
        assertFalse(
                internal.getStatus().getDescription().contains("\tat "),
                "no stack trace in the description");
    }

    @Test
    void listenAddressesAreParsedOrRejectedClearly() {
        assertEquals(
                new ListenAddress("::1", 50051), ListenAddress.parse("[::1]:50051", "--grpc-addr"));
        assertEquals("[::1]:50051", ListenAddress.parse("[::1]:50051", "--grpc-addr").toString());
        assertEquals(
                new ListenAddress("127.0.0.1", 0),
                ListenAddress.parse("127.0.0.1:0", "--grpc-addr"));
        for (String bad : List.of("", "127.0.0.1", "127.0.0.1:", "host:http", "host:65536")) {
            assertThrows(
                    ai.hanzo.node.api.InvalidArgumentException.class,
                    () -> ListenAddress.parse(bad, "--grpc-addr"),
                    bad);
        }
    }

    /** A node whose state the test sets. */
    private final class StubNode implements NodeLifecycle {
        volatile NodeState state = NodeState.READY;

        @Override
        public NodeInfo info() {
            return new NodeInfo("n1", "1.0.0", "hanzo-test", "", data, Instant.EPOCH);
        }

        @Override
        public NodeState state() {
            return state;
        }

        @Override
        public Duration uptime() {
            return Duration.ofSeconds(1);
        }

        @Override
        public HealthReport health() {
            return new HealthReport(state.health(), state, List.of());
        }

        @Override
        public void drain(String reason, Duration timeout) {
            state = NodeState.STOPPED;
        }

        @Override
        public Subscription onStateChange(Consumer<NodeStateChange> listener) {
            return () -> {};
        }
    }
}
