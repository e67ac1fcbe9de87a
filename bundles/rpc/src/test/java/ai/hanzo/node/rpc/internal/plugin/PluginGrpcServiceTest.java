package ai.hanzo.node.rpc.internal.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.hanzo.node.api.NotFoundException;
import ai.hanzo.node.api.plugin.PluginDescriptor;
import ai.hanzo.node.api.plugin.PluginInfo;
import ai.hanzo.node.api.plugin.PluginInstaller;
import ai.hanzo.node.api.plugin.PluginKind;
import ai.hanzo.node.api.plugin.PluginRegistry;
import ai.hanzo.node.api.plugin.PluginState;
import ai.hanzo.node.proto.v1.InstallPluginRequest;
import ai.hanzo.node.proto.v1.ListPluginsRequest;
import ai.hanzo.node.proto.v1.PluginServiceGrpc;
import ai.hanzo.node.proto.v1.PluginStatus;
import ai.hanzo.node.proto.v1.UninstallPluginRequest;
import ai.hanzo.node.proto.v1.UpdatePluginRequest;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proto/api mapping of PluginService, over an in-process server and a scripted installer. */
class PluginGrpcServiceTest {
    private static final PluginInfo RUNC =
            new PluginInfo(
                    42,
                    "file:/node/deploy/runc.jar",
                    new PluginDescriptor(
                            "runc",
                            "1.0.0",
                            PluginKind.RUNTIME,
                            "runs OCI bundles",
                            "Example",
                            "x.runc"),
                    PluginState.ACTIVE,
                    "",
                    0,
                    List.of("runtime:runc"),
                    Instant.ofEpochSecond(1_700_000_000));

    private final List<String> calls = new ArrayList<>();
    private Server server;
    private ManagedChannel channel;
    private PluginServiceGrpc.PluginServiceBlockingStub client;

    private final PluginRegistry registry =
            new PluginRegistry() {
                @Override
                public List<PluginInfo> list() {
                    return List.of(RUNC);
                }

                @Override
                public Optional<PluginInfo> get(String name) {
                    return name.equals("runc") ? Optional.of(RUNC) : Optional.empty();
                }

                @Override
                public <T> CompletableFuture<T> call(
                        Object service, String operation, Callable<T> call, Duration timeout) {
                    throw new UnsupportedOperationException();
                }
            };

    private final PluginInstaller installer =
            new PluginInstaller() {
                @Override
                public PluginInfo install(String fileName, byte[] jar, Duration wait) {
                    calls.add("install " + fileName + " " + jar.length + " " + wait.toSeconds());
                    return RUNC;
                }

                @Override
                public PluginInfo installFrom(String location, Duration wait) {
                    calls.add("installFrom " + location + " " + wait.toSeconds());
                    return RUNC;
                }

                @Override
                public PluginInfo update(String name, byte[] jar, Duration wait) {
                    calls.add("update " + name + " " + jar.length);
                    return RUNC;
                }

                @Override
                public void uninstall(String name, Duration wait) {
                    if (!name.equals("runc")) {
                        throw new NotFoundException("no plugin " + name + " is installed");
                    }
                    calls.add("uninstall " + name);
                }
            };

    @BeforeEach
    void start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server =
                InProcessServerBuilder.forName(name)
                        .directExecutor()
                        .addService(new PluginGrpcService(registry, installer))
                        .build()
                        .start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        client = PluginServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    @Test
    void listCarriesEveryField() {
        PluginStatus p = client.listPlugins(ListPluginsRequest.getDefaultInstance()).getPlugins(0);
        assertEquals("runc", p.getName());
        assertEquals("1.0.0", p.getVersion());
        assertEquals("runtime", p.getKind());
        assertEquals("active", p.getState());
        assertEquals(List.of("runtime:runc"), p.getProvidesList());
        assertEquals(1_700_000_000L, p.getSince());
        assertEquals(42, p.getBundleId());
        assertEquals("file:/node/deploy/runc.jar", p.getLocation());
        assertEquals("x.runc", p.getSymbolicName());
    }

    @Test
    void installUpdateAndUninstallReachTheInstallerWithTheirWaits() {
        client.installPlugin(
                InstallPluginRequest.newBuilder()
                        .setJar(ByteString.copyFrom(new byte[3]))
                        .setFileName("runc.jar")
                        .build());
        client.installPlugin(
                InstallPluginRequest.newBuilder()
                        .setLocation("mvn:g/a/1")
                        .setWaitSeconds(5)
                        .build());
        client.updatePlugin(
                UpdatePluginRequest.newBuilder()
                        .setName("runc")
                        .setJar(ByteString.copyFrom(new byte[4]))
                        .build());
        client.uninstallPlugin(UninstallPluginRequest.newBuilder().setName("runc").build());
        assertEquals(
                List.of(
                        "install runc.jar 3 30",
                        "installFrom mvn:g/a/1 5",
                        "update runc 4",
                        "uninstall runc"),
                calls);
    }

    @Test
    void badRequestsAreRefusedWithTheirStatus() {
        StatusRuntimeException empty =
                assertThrows(
                        StatusRuntimeException.class,
                        () -> client.installPlugin(InstallPluginRequest.getDefaultInstance()));
        assertEquals(Status.Code.INVALID_ARGUMENT, empty.getStatus().getCode());
        StatusRuntimeException unnamed =
                assertThrows(
                        StatusRuntimeException.class,
                        () -> client.uninstallPlugin(UninstallPluginRequest.getDefaultInstance()));
        assertEquals(Status.Code.INVALID_ARGUMENT, unnamed.getStatus().getCode());
        StatusRuntimeException missing =
                assertThrows(
                        StatusRuntimeException.class,
                        () ->
                                client.uninstallPlugin(
                                        UninstallPluginRequest.newBuilder()
                                                .setName("nope")
                                                .build()));
        assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
        assertEquals("no plugin nope is installed", missing.getStatus().getDescription());
        assertEquals(List.of(), calls);
    }
}
