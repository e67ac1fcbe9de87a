package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.node.NodeRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@link GrpcServer} on an ephemeral loopback port around a {@link TestNode}, with one API
 * key per role, and clients over real Netty channels.
 */
final class ServerHarness {
    final TestNode node;
    final GrpcServer server;
    final Map<Role, String> keys = new EnumMap<>(Role.class);
    final List<ManagedChannel> channels = new ArrayList<>();
    volatile NodeRegistry published;

    ServerHarness(Path data, Map<String, Object> config) throws Exception {
        node = new TestNode(data);
        StringBuilder file = new StringBuilder("# test keys\n");
        for (Role role : List.of(Role.VIEWER, Role.OPERATOR, Role.ADMIN, Role.NODE)) {
            String key = ApiKeys.newKey();
            keys.put(role, key);
            file.append(ApiKeys.hash(key))
                    .append(" = ")
                    .append(role.name().toLowerCase())
                    .append(' ')
                    .append(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                    .append('\n');
        }
        Files.createDirectories(data);
        ApiKeys.writePrivate(data.resolve(ApiKeys.KEYS_FILE), file.toString());
        server =
                new GrpcServer(
                        "127.0.0.1:0",
                        node,
                        node.scheduler,
                        node.profile,
                        TestNode.config(config),
                        registry -> {
                            published = registry;
                            return () -> published = null;
                        });
        server.setEventBus(node.bus);
        server.setStore(node.store);
    }

    ManagedChannel channel() {
        ManagedChannel channel =
                NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        channels.add(channel);
        return channel;
    }

    static <S extends AbstractStub<S>> S as(S stub, String apiKey) {
        Metadata headers = new Metadata();
        headers.put(AuthInterceptor.API_KEY, apiKey);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    static <S extends AbstractStub<S>> S bearer(S stub, String token) {
        Metadata headers = new Metadata();
        headers.put(AuthInterceptor.AUTHORIZATION, "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    <S extends AbstractStub<S>> S as(S stub, Role role) {
        return as(stub, keys.get(role));
    }

    void close() throws Exception {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        server.deactivate();
        node.stop();
    }
}
