package ai.hanzo.node.rpc.internal.plugin;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.plugin.PluginInfo;
import ai.hanzo.node.api.plugin.PluginInstaller;
import ai.hanzo.node.api.plugin.PluginRegistry;
import ai.hanzo.node.proto.v1.InstallPluginRequest;
import ai.hanzo.node.proto.v1.ListPluginsRequest;
import ai.hanzo.node.proto.v1.ListPluginsResponse;
import ai.hanzo.node.proto.v1.PluginServiceGrpc;
import ai.hanzo.node.proto.v1.PluginStatus;
import ai.hanzo.node.proto.v1.UninstallPluginRequest;
import ai.hanzo.node.proto.v1.UninstallPluginResponse;
import ai.hanzo.node.proto.v1.UpdatePluginRequest;
import ai.hanzo.node.rpc.internal.ErrorStatus;
import ai.hanzo.node.rpc.internal.GrpcService;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Supplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code hanzo.node.v1.PluginService} over the plugin extender: lists what it sees, and installs,
 * updates and uninstalls plugins through {@code deploy/} (the same path as a dropped file, so no
 * refresh reaches the core). Reading needs plugin/read; changes need plugin/manage (admins only).
 */
@Component(service = GrpcService.class)
public final class PluginGrpcService extends PluginServiceGrpc.PluginServiceImplBase
        implements GrpcService {
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);
    static final Duration MAX_WAIT = Duration.ofMinutes(10);

    private final PluginRegistry registry;
    private final PluginInstaller installer;

    /**
     * @param registry what the extender sees
     * @param installer installs through deploy/
     */
    @Activate
    public PluginGrpcService(
            @Reference PluginRegistry registry, @Reference PluginInstaller installer) {
        this.registry = registry;
        this.installer = installer;
    }

    @Override
    public void listPlugins(
            ListPluginsRequest request, StreamObserver<ListPluginsResponse> response) {
        answer(
                response,
                () -> {
                    ListPluginsResponse.Builder out = ListPluginsResponse.newBuilder();
                    registry.list().forEach(info -> out.addPlugins(status(info)));
                    return out.build();
                });
    }

    @Override
    public void installPlugin(InstallPluginRequest request, StreamObserver<PluginStatus> response) {
        answer(
                response,
                () -> {
                    Duration wait = wait(request.getWaitSeconds());
                    PluginInfo info =
                            switch (request.getSourceCase()) {
                                case JAR ->
                                        installer.install(
                                                request.getFileName(),
                                                request.getJar().toByteArray(),
                                                wait);
                                case LOCATION -> installer.installFrom(request.getLocation(), wait);
                                default ->
                                        throw new InvalidArgumentException(
                                                "give the plugin's jar or its location");
                            };
                    return status(info);
                });
    }

    @Override
    public void updatePlugin(UpdatePluginRequest request, StreamObserver<PluginStatus> response) {
        answer(
                response,
                () -> {
                    Duration wait = wait(request.getWaitSeconds());
                    byte[] jar =
                            switch (request.getSourceCase()) {
                                case JAR -> request.getJar().toByteArray();
                                case LOCATION ->
                                        throw new InvalidArgumentException(
                                                "update from a location is not offered: send the"
                                                        + " jar");
                                default ->
                                        throw new InvalidArgumentException(
                                                "give the plugin's new jar");
                            };
                    return status(installer.update(name(request.getName()), jar, wait));
                });
    }

    @Override
    public void uninstallPlugin(
            UninstallPluginRequest request, StreamObserver<UninstallPluginResponse> response) {
        answer(
                response,
                () -> {
                    String name = name(request.getName());
                    installer.uninstall(name, wait(request.getWaitSeconds()));
                    return UninstallPluginResponse.newBuilder()
                            .setSuccess(true)
                            .setMessage("plugin " + name + " uninstalled")
                            .build();
                });
    }

    private static String name(String name) {
        if (name.isBlank()) {
            throw new InvalidArgumentException("name the plugin");
        }
        return name;
    }

    static Duration wait(int seconds) {
        if (seconds == 0) {
            return DEFAULT_WAIT;
        }
        Duration wait = Duration.ofSeconds(Integer.toUnsignedLong(seconds));
        return wait.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : wait;
    }

    static PluginStatus status(PluginInfo info) {
        return PluginStatus.newBuilder()
                .setName(info.descriptor().name())
                .setVersion(info.descriptor().version())
                .setKind(info.descriptor().kind().name().toLowerCase(Locale.ROOT))
                .setDescription(info.descriptor().description())
                .setAuthor(info.descriptor().author())
                .setSymbolicName(info.descriptor().symbolicName())
                .setState(info.state().name().toLowerCase(Locale.ROOT))
                .setReason(info.reason())
                .setFailures(info.failures())
                .addAllProvides(info.provides())
                .setSince(info.since().getEpochSecond())
                .setLocation(info.location())
                .setBundleId(info.bundleId())
                .build();
    }

    private static <T> void answer(StreamObserver<T> response, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of(e, "plugin request failed"));
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }
}
