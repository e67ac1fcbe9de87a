package ai.hanzo.node.rpc.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.proto.v1.DeployRequest;
import ai.hanzo.node.proto.v1.EngineInfo;
import ai.hanzo.node.proto.v1.GetHealthRequest;
import ai.hanzo.node.proto.v1.GetStatusRequest;
import ai.hanzo.node.proto.v1.InferenceServiceGrpc;
import ai.hanzo.node.proto.v1.ListModelsRequest;
import ai.hanzo.node.proto.v1.ListModelsResponse;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import ai.hanzo.node.proto.v1.OperatorServiceGrpc;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authentication, JWTs, TLS, connection limits and services that come and go, over real sockets.
 */
class ServerSecurityTest {
    @TempDir Path data;
    private ServerHarness harness;

    @AfterEach
    void stop() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private ServerHarness start(Map<String, Object> config) throws Exception {
        Map<String, Object> all = new java.util.HashMap<>(config);
        all.putIfAbsent("shutdownGraceSeconds", 0);
        harness = new ServerHarness(data, all);
        return harness;
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
    void stateChangesAndReadsNeedACredentialAndTheRightRole() throws Exception {
        start(Map.of());
        NodeServiceGrpc.NodeServiceBlockingStub anonymous =
                NodeServiceGrpc.newBlockingStub(harness.channel());
        fails(
                Status.Code.UNAUTHENTICATED,
                "needs metrics/read; send an API key as 'x-api-key: hzk_...'",
                () -> anonymous.getStatus(GetStatusRequest.getDefaultInstance()));
        fails(
                Status.Code.UNAUTHENTICATED,
                "needs deployment/create",
                () -> anonymous.deploy(DeployRequest.getDefaultInstance()));
        fails(
                Status.Code.UNAUTHENTICATED,
                "unknown API key",
                () ->
                        ServerHarness.as(anonymous, "hzk_not-a-key")
                                .getHealth(GetHealthRequest.getDefaultInstance()));
        fails(
                Status.Code.PERMISSION_DENIED,
                "role viewer lacks deployment/create needed by hanzo.node.v1.NodeService/Deploy",
                () ->
                        harness.as(anonymous, Role.VIEWER)
                                .deploy(DeployRequest.getDefaultInstance()));
        fails(
                Status.Code.UNAVAILABLE,
                "no Orchestrator is running",
                () ->
                        harness.as(anonymous, Role.OPERATOR)
                                .deploy(DeployRequest.getDefaultInstance()));
        // health is anonymous, on both services
        anonymous.getHealth(GetHealthRequest.getDefaultInstance());
        assertEquals(
                ServingStatus.SERVING,
                HealthGrpc.newBlockingStub(harness.channel())
                        .check(
                                HealthCheckRequest.newBuilder()
                                        .setService("hanzo.node.v1.NodeService")
                                        .build())
                        .getStatus());
    }

    @Test
    void keysAddedOrRevokedWhileRunningApplyWithinASecond() throws Exception {
        start(Map.of());
        NodeServiceGrpc.NodeServiceBlockingStub stub =
                NodeServiceGrpc.newBlockingStub(harness.channel());
        String key = ApiKeys.newKey();
        Path file = data.resolve(ApiKeys.KEYS_FILE);
        String before = Files.readString(file);
        fails(
                Status.Code.UNAUTHENTICATED,
                "unknown API key",
                () -> ServerHarness.as(stub, key).getStatus(GetStatusRequest.getDefaultInstance()));
        ApiKeys.writePrivate(file, before + ApiKeys.hash(key) + " = viewer\n");
        long added = System.nanoTime();
        await().atMost(2, TimeUnit.SECONDS)
                .ignoreExceptions()
                .until(
                        () ->
                                ServerHarness.as(stub, key)
                                                .getStatus(GetStatusRequest.getDefaultInstance())
                                        != null);
        assertTrue(System.nanoTime() - added < 1_500_000_000L, "seen within about a second");
        ApiKeys.writePrivate(file, before);
        await().atMost(2, TimeUnit.SECONDS)
                .until(
                        () -> {
                            try {
                                ServerHarness.as(stub, key)
                                        .getStatus(GetStatusRequest.getDefaultInstance());
                                return false;
                            } catch (StatusRuntimeException e) {
                                return e.getStatus().getCode() == Status.Code.UNAUTHENTICATED;
                            }
                        });
        // a malformed edit keeps the last good keys
        ApiKeys.writePrivate(file, "garbage\n");
        harness.as(stub, Role.ADMIN).getStatus(GetStatusRequest.getDefaultInstance());
    }

    private static String hs256(byte[] secret, String role, Instant expires) throws Exception {
        SignedJWT jwt =
                new SignedJWT(
                        new JWSHeader(JWSAlgorithm.HS256),
                        new JWTClaimsSet.Builder()
                                .subject("ci")
                                .claim("role", role)
                                .expirationTime(Date.from(expires))
                                .build());
        jwt.sign(new MACSigner(secret));
        return jwt.serialize();
    }

    @Test
    void hs256TokensAreCheckedForSignatureExpiryAndRole() throws Exception {
        byte[] secret =
                "0123456789abcdef0123456789abcdef-test-secret".getBytes(StandardCharsets.UTF_8);
        Files.write(data.resolve("jwt.secret"), secret);
        start(Map.of("jwtHmacSecretFile", "jwt.secret"));
        NodeServiceGrpc.NodeServiceBlockingStub stub =
                NodeServiceGrpc.newBlockingStub(harness.channel());
        Instant soon = Instant.now().plusSeconds(60);
        assertEquals(
                42,
                ServerHarness.bearer(stub, hs256(secret, "viewer", soon))
                        .getStatus(GetStatusRequest.getDefaultInstance())
                        .getUptimeSeconds());
        Instant past =
                Instant.now().minusSeconds(120).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        fails(
                Status.Code.UNAUTHENTICATED,
                "the JWT expired at " + past,
                () ->
                        ServerHarness.bearer(stub, hs256(secret, "viewer", past))
                                .getStatus(GetStatusRequest.getDefaultInstance()));
        byte[] other =
                "another-secret-of-enough-length-0123456789".getBytes(StandardCharsets.UTF_8);
        fails(
                Status.Code.UNAUTHENTICATED,
                "the JWT signature does not match a configured key",
                () ->
                        ServerHarness.bearer(stub, hs256(other, "viewer", soon))
                                .getStatus(GetStatusRequest.getDefaultInstance()));
        fails(
                Status.Code.UNAUTHENTICATED,
                "no valid role claim",
                () ->
                        ServerHarness.bearer(stub, hs256(secret, "root", soon))
                                .getStatus(GetStatusRequest.getDefaultInstance()));
        fails(
                Status.Code.PERMISSION_DENIED,
                "role viewer lacks deployment/create",
                () ->
                        ServerHarness.bearer(stub, hs256(secret, "viewer", soon))
                                .deploy(DeployRequest.getDefaultInstance()));
        fails(
                Status.Code.UNAUTHENTICATED,
                "the bearer token is not a JWT",
                () ->
                        ServerHarness.bearer(stub, "not.a.jwt")
                                .getStatus(GetStatusRequest.getDefaultInstance()));
    }

    private static void writePem(Path file, byte[] spki) throws Exception {
        Files.writeString(
                file,
                "-----BEGIN PUBLIC KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(spki)
                        + "\n-----END PUBLIC KEY-----\n");
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Test
    void edDsaAndEs256TokensVerifyAgainstConfiguredPublicKeys() throws Exception {
        KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPairGenerator ecGenerator = KeyPairGenerator.getInstance("EC");
        ecGenerator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ec = ecGenerator.generateKeyPair();
        writePem(data.resolve("ed.pem"), ed.getPublic().getEncoded());
        writePem(data.resolve("ec.pem"), ec.getPublic().getEncoded());
        start(Map.of("jwtPublicKeyFiles", new String[] {"ed.pem", "ec.pem"}));
        NodeServiceGrpc.NodeServiceBlockingStub stub =
                NodeServiceGrpc.newBlockingStub(harness.channel());

        long exp = Instant.now().plusSeconds(60).getEpochSecond();
        String input =
                b64("{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
                        + "."
                        + b64(
                                ("{\"sub\":\"ops\",\"role\":\"admin\",\"exp\":" + exp + "}")
                                        .getBytes(StandardCharsets.UTF_8));
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(ed.getPrivate());
        signer.update(input.getBytes(StandardCharsets.US_ASCII));
        String edToken = input + "." + b64(signer.sign());
        fails(
                Status.Code.UNAVAILABLE,
                "no Orchestrator",
                () ->
                        ServerHarness.bearer(stub, edToken)
                                .deploy(DeployRequest.getDefaultInstance()));
        String forged = input + "." + b64(new byte[64]);
        fails(
                Status.Code.UNAUTHENTICATED,
                "signature does not match",
                () ->
                        ServerHarness.bearer(stub, forged)
                                .getStatus(GetStatusRequest.getDefaultInstance()));

        SignedJWT es =
                new SignedJWT(
                        new JWSHeader(JWSAlgorithm.ES256),
                        new JWTClaimsSet.Builder()
                                .claim("role", "viewer")
                                .expirationTime(Date.from(Instant.now().plusSeconds(60)))
                                .build());
        es.sign(new ECDSASigner((ECPrivateKey) ec.getPrivate()));
        ServerHarness.bearer(stub, es.serialize()).getStatus(GetStatusRequest.getDefaultInstance());
        fails(
                Status.Code.UNAUTHENTICATED,
                "HS256 tokens are not accepted by this node",
                () ->
                        ServerHarness.bearer(
                                        stub,
                                        hs256(new byte[32], "admin", Instant.now().plusSeconds(60)))
                                .getStatus(GetStatusRequest.getDefaultInstance()));
    }

    @Test
    void withoutJwtKeysABearerTokenIsRefusedWithTheReason() throws Exception {
        start(Map.of());
        fails(
                Status.Code.UNAUTHENTICATED,
                "this node accepts no JWTs",
                () ->
                        ServerHarness.bearer(
                                        NodeServiceGrpc.newBlockingStub(harness.channel()), "a.b.c")
                                .getStatus(GetStatusRequest.getDefaultInstance()));
    }

    /** Stands in for the inference bundle's gRPC class. */
    private static final class ModelsOnly extends InferenceServiceGrpc.InferenceServiceImplBase
            implements GrpcService {
        @Override
        public void listModels(
                ListModelsRequest request, StreamObserver<ListModelsResponse> response) {
            response.onNext(
                    ListModelsResponse.newBuilder()
                            .addEngines(EngineInfo.newBuilder().setName("test-engine"))
                            .build());
            response.onCompleted();
        }
    }

    @Test
    void optionalServicesAnswerUnimplementedThroughAuthUntilTheirBundleRegisters()
            throws Exception {
        start(Map.of());
        ManagedChannel channel = harness.channel();
        InferenceServiceGrpc.InferenceServiceBlockingStub inference =
                InferenceServiceGrpc.newBlockingStub(channel);
        fails(
                Status.Code.UNAUTHENTICATED,
                "needs inference/read",
                () -> inference.listModels(ListModelsRequest.getDefaultInstance()));
        fails(
                Status.Code.UNIMPLEMENTED,
                "hanzo.node.v1.InferenceService is not available on this node: no InferenceService is running",
                () ->
                        harness.as(inference, Role.VIEWER)
                                .listModels(ListModelsRequest.getDefaultInstance()));
        fails(
                Status.Code.UNIMPLEMENTED,
                "hanzo.node.v1.OperatorService is not available on this node: no StakingService is running",
                () ->
                        harness.as(OperatorServiceGrpc.newBlockingStub(channel), Role.VIEWER)
                                .getOperatorStatus(
                                        ai.hanzo.node.proto.v1.GetOperatorStatusRequest
                                                .getDefaultInstance()));
        HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
        HealthCheckRequest inferenceHealth =
                HealthCheckRequest.newBuilder()
                        .setService(InferenceServiceGrpc.SERVICE_NAME)
                        .build();
        assertEquals(ServingStatus.NOT_SERVING, health.check(inferenceHealth).getStatus());

        ModelsOnly service = new ModelsOnly();
        harness.server.addService(service);
        assertEquals(
                List.of("test-engine"),
                harness
                        .as(inference, Role.VIEWER)
                        .listModels(ListModelsRequest.getDefaultInstance())
                        .getEnginesList()
                        .stream()
                        .map(EngineInfo::getName)
                        .toList());
        assertEquals(ServingStatus.SERVING, health.check(inferenceHealth).getStatus());
        fails(
                Status.Code.UNAUTHENTICATED,
                "needs inference/read",
                () -> inference.listModels(ListModelsRequest.getDefaultInstance()));

        harness.server.removeService(service);
        fails(
                Status.Code.UNIMPLEMENTED,
                "no InferenceService is running",
                () ->
                        harness.as(inference, Role.VIEWER)
                                .listModels(ListModelsRequest.getDefaultInstance()));
        assertEquals(ServingStatus.NOT_SERVING, health.check(inferenceHealth).getStatus());
    }

    private static boolean closedByServer(Socket socket) throws Exception {
        socket.setSoTimeout(100);
        try {
            // the server may have sent its HTTP/2 settings first: read past them to the end
            byte[] buffer = new byte[4096];
            int read;
            do {
                read = socket.getInputStream().read(buffer);
            } while (read > 0);
            return read < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    @Test
    void connectionsAreCappedAndSilentOrGarbageOnesClosed() throws Exception {
        start(Map.of("maxConnections", 3, "handshakeTimeoutSeconds", 1));
        int port = harness.server.port();
        List<Socket> idle = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            idle.add(new Socket("127.0.0.1", port));
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> harness.server.openConnections() == 3);
        try (Socket extra = new Socket("127.0.0.1", port)) {
            await().atMost(2, TimeUnit.SECONDS).until(() -> closedByServer(extra));
        }
        // no preface within the handshake timeout: closed
        for (Socket socket : idle) {
            await().atMost(5, TimeUnit.SECONDS).until(() -> closedByServer(socket));
            socket.close();
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> harness.server.openConnections() == 0);
        try (Socket garbage = new Socket("127.0.0.1", port)) {
            OutputStream out = garbage.getOutputStream();
            out.write(
                    "GET / HTTP/1.1\r\nHost: x\r\n\r\nnot http2 at all"
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = garbage.getInputStream();
            garbage.setSoTimeout(5000);
            // whatever the server answers, it then closes the connection
            while (in.read() >= 0) {
                // drain
            }
        }
        // and the server still serves real clients
        NodeServiceGrpc.newBlockingStub(harness.channel())
                .getHealth(GetHealthRequest.getDefaultInstance());
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process;
        try {
            process =
                    new ProcessBuilder(command)
                            .directory(dir.toFile())
                            .redirectErrorStream(true)
                            .start();
        } catch (java.io.IOException e) {
            throw new AssertionError(
                    "the TLS tests need the openssl command to make certificates: "
                            + e.getMessage());
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(
                process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0,
                String.join(" ", command) + ": " + output);
    }

    private void certificates() throws Exception {
        openssl(
                data,
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "1",
                "-subj",
                "/CN=test-ca");
        for (String name : List.of("server", "client")) {
            openssl(
                    data,
                    "req",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-keyout",
                    name + ".key",
                    "-out",
                    name + ".csr",
                    "-subj",
                    "/CN=" + name);
            Files.writeString(
                    data.resolve(name + ".ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
            openssl(
                    data,
                    "x509",
                    "-req",
                    "-in",
                    name + ".csr",
                    "-CA",
                    "ca.pem",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-out",
                    name + ".pem",
                    "-days",
                    "1",
                    "-extfile",
                    name + ".ext");
        }
    }

    private ManagedChannel tlsChannel(boolean withClientCertificate) throws Exception {
        SslContextBuilder ssl =
                GrpcSslContexts.forClient().trustManager(data.resolve("ca.pem").toFile());
        if (withClientCertificate) {
            ssl.keyManager(
                    data.resolve("client.pem").toFile(), data.resolve("client.key").toFile());
        }
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("127.0.0.1", harness.server.port())
                        .sslContext(ssl.build())
                        .build();
        harness.channels.add(channel);
        return channel;
    }

    @Test
    void tlsServesOnlyTlsClients() throws Exception {
        certificates();
        start(Map.of("tlsCertFile", "server.pem", "tlsKeyFile", "server.key"));
        assertEquals(
                ai.hanzo.node.proto.v1.HealthStatus.HEALTH_STATUS_HEALTHY,
                NodeServiceGrpc.newBlockingStub(tlsChannel(false))
                        .getHealth(GetHealthRequest.getDefaultInstance())
                        .getStatus());
        fails(
                Status.Code.UNAVAILABLE,
                "",
                () ->
                        NodeServiceGrpc.newBlockingStub(harness.channel())
                                .withDeadlineAfter(5, TimeUnit.SECONDS)
                                .getHealth(GetHealthRequest.getDefaultInstance()));
    }

    @Test
    void mutualTlsRefusesClientsWithoutACertificateFromTheCa() throws Exception {
        certificates();
        start(
                Map.of(
                        "tlsCertFile", "server.pem",
                        "tlsKeyFile", "server.key",
                        "tlsClientCaFile", "ca.pem",
                        "tlsClientAuth", "require"));
        assertEquals(
                42,
                harness.as(NodeServiceGrpc.newBlockingStub(tlsChannel(true)), Role.VIEWER)
                        .getStatus(GetStatusRequest.getDefaultInstance())
                        .getUptimeSeconds());
        StatusRuntimeException refused =
                assertThrows(
                        StatusRuntimeException.class,
                        () ->
                                NodeServiceGrpc.newBlockingStub(tlsChannel(false))
                                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                                        .getHealth(GetHealthRequest.getDefaultInstance()));
        assertEquals(
                Status.Code.UNAVAILABLE,
                refused.getStatus().getCode(),
                refused.getStatus().toString());
    }

    @Test
    void badTlsSettingsAreClearErrors() {
        assertThrows(
                ai.hanzo.node.api.InvalidArgumentException.class,
                () -> start(Map.of("tlsClientCaFile", "ca.pem")),
                "mTLS needs TLS");
        ai.hanzo.node.api.InvalidArgumentException e =
                assertThrows(
                        ai.hanzo.node.api.InvalidArgumentException.class,
                        () ->
                                start(
                                        Map.of(
                                                "tlsCertFile",
                                                "missing.pem",
                                                "tlsKeyFile",
                                                "missing.key")));
        assertTrue(e.getMessage().contains("missing.pem"), e.getMessage());
        harness = null;
    }
}
