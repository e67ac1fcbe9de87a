package ai.hanzo.node.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.launcher.HanzoNodeLauncher;
import ai.hanzo.node.proto.v1.AdminServiceGrpc;
import ai.hanzo.node.proto.v1.BackupStoreRequest;
import ai.hanzo.node.proto.v1.BackupStoreResponse;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client side of {@code backup}: the request it sends, and the identity and key files it copies
 * next to the store. The node side (the store copy with writes paused) is tested in bundles/rpc's
 * AdminBackupRpcTest against the real store; here the node's AdminService writes one file so the
 * layout can be checked.
 */
class BackupCommandTest {
    private static final String KEY = "admin-test-key-7f3a";
    private static final Metadata.Key<String> API_KEY =
            Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir Path temp;
    private Path dataDir;
    private Server server;
    private final List<String> requested = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        dataDir = Files.createDirectories(temp.resolve("data"));
        Files.writeString(dataDir.resolve("admin.key"), KEY + "\n");
        Files.writeString(dataDir.resolve("node-id"), "node-abc\n");
        Files.writeString(dataDir.resolve("api-keys"), "ab12 = viewer\n");
        Files.createDirectories(dataDir.resolve("p2p"));
        Files.write(dataDir.resolve("p2p/identity.key"), new byte[] {8, 1, 18, 64, 1, 2, 3});
        ServerInterceptor auth =
                new ServerInterceptor() {
                    @Override
                    public <Q, R> ServerCall.Listener<Q> interceptCall(
                            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                        if (!KEY.equals(headers.get(API_KEY))) {
                            call.close(
                                    Status.PERMISSION_DENIED.withDescription("needs store/backup"),
                                    new Metadata());
                            return new ServerCall.Listener<>() {};
                        }
                        return next.startCall(call, headers);
                    }
                };
        server =
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                        .addService(ServerInterceptors.intercept(new Admin(), auth))
                        .build()
                        .start();
    }

    @AfterEach
    void stop() throws Exception {
        server.shutdownNow();
        server.awaitTermination();
    }

    private final class Admin extends AdminServiceGrpc.AdminServiceImplBase {
        @Override
        public void backupStore(
                BackupStoreRequest request, StreamObserver<BackupStoreResponse> out) {
            requested.add(request.getOutputDir());
            try {
                Path store = Files.createDirectories(Path.of(request.getOutputDir()));
                Files.writeString(store.resolve("store.properties"), "format=1\n");
            } catch (java.io.IOException e) {
                out.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
                return;
            }
            out.onNext(
                    BackupStoreResponse.newBuilder()
                            .setOutputDir(request.getOutputDir())
                            .setFiles(1)
                            .setBytes(9)
                            .setDeployments(3)
                            .setPausedMillis(4)
                            .build());
            out.onCompleted();
        }
    }

    private record Result(int code, String out, String err) {}

    private Result run(String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code =
                HanzoNodeLauncher.runClient(
                        args,
                        Map.of(
                                "HOME", temp.toString(),
                                "HANZO_GRPC_ADDR", "127.0.0.1:" + server.getPort(),
                                "HANZO_DATA_DIR", dataDir.toString()),
                        Map.of(),
                        new PrintWriter(out, true),
                        new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void backupAsksTheNodeForTheStoreAndCopiesIdentityFilesOwnerOnly() throws Exception {
        Path out = temp.resolve("backup");
        Result r = run("backup", "--output-dir", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of(out.resolve("store").toString()), requested);
        assertTrue(r.out().startsWith("Backed up node node-abc to " + out), r.out());
        assertTrue(r.out().contains("3 deployments"), r.out());
        assertTrue(r.out().contains("--data-dir " + out), r.out());
        // key material is copied, never printed
        assertFalse(r.out().contains(KEY), r.out());
        for (String name : List.of("node-id", "admin.key", "api-keys", "p2p/identity.key")) {
            assertArrayEquals(
                    Files.readAllBytes(dataDir.resolve(name)),
                    Files.readAllBytes(out.resolve(name)));
            assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(out.resolve(name))));
        }
        assertEquals(
                "rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        assertEquals("format=1\n", Files.readString(out.resolve("store/store.properties")));
    }

    @Test
    void aNonEmptyOutputDirOrADataDirWithoutNodeIdIsRefusedBeforeTheNodeIsAsked() throws Exception {
        Path full = Files.createDirectories(temp.resolve("full"));
        Files.writeString(full.resolve("old"), "keep");
        Result r = run("backup", "--output-dir", full.toString());
        assertEquals(ExitCode.USAGE, r.code());
        assertTrue(r.err().contains("is not empty"), r.err());
        assertEquals("keep", Files.readString(full.resolve("old")));

        Result inside = run("backup", "--output-dir", dataDir.resolve("b").toString());
        assertEquals(ExitCode.USAGE, inside.code());
        assertTrue(inside.err().contains("overlaps the data directory"), inside.err());

        Files.delete(dataDir.resolve("node-id"));
        Result noId = run("backup", "--output-dir", temp.resolve("b2").toString());
        assertEquals(ExitCode.USAGE, noId.code());
        assertTrue(noId.err().contains("no node id"), noId.err());
        assertFalse(Files.exists(temp.resolve("b2")));
        assertTrue(requested.isEmpty());
    }

    @Test
    void aKeyWithoutTheBackupPermissionFailsAndSaysSo() throws Exception {
        Files.writeString(dataDir.resolve("admin.key"), "not-the-admin\n");
        Result r = run("backup", "--output-dir", temp.resolve("b3").toString());
        assertEquals(ExitCode.of(Status.Code.PERMISSION_DENIED), r.code());
        assertTrue(r.err().contains("store/backup"), r.err());
        assertFalse(Files.exists(temp.resolve("b3")));
    }
}
