package ai.hanzo.node.bench.rpc;

import ai.hanzo.node.proto.v1.GetHealthRequest;
import ai.hanzo.node.proto.v1.GetHealthResponse;
import ai.hanzo.node.proto.v1.GetStatusRequest;
import ai.hanzo.node.proto.v1.GetStatusResponse;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The bare grpc-java server of the benchmark in a JVM of its own, started with the node's heap and
 * GC flags, so the comparison differs only in what the node adds (Karaf, OSGi, auth, metrics, its
 * executor), not in the JVM or in sharing a process with the client. It copies the node's answers
 * once, prints {@code port N} and serves until its standard input closes.
 *
 * <p>Usage: {@code BareServer <node host:port> <admin.key file>}; {@code -Drpcbench.bareDirect=true}
 * answers on the transport threads.
 */
public final class BareServer {
    private BareServer() {}

    public static void main(String[] args) throws Exception {
        String key = Files.readString(Path.of(args[1])).trim();
        ManagedChannel channel = NettyChannelBuilder.forTarget(args[0]).usePlaintext().build();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), key);
        NodeServiceGrpc.NodeServiceBlockingStub node =
                NodeServiceGrpc.newBlockingStub(channel)
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        GetHealthResponse health = node.getHealth(GetHealthRequest.getDefaultInstance());
        GetStatusResponse status = node.getStatus(GetStatusRequest.getDefaultInstance());
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        NettyServerBuilder builder =
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                        .addService(new RpcBench.BareNodeService(health, status));
        if (Boolean.getBoolean("rpcbench.bareDirect")) {
            // calls answered on the transport thread, as the node answers its cheap calls: no
            // hand-off to grpc-java's default cached pool
            builder.directExecutor();
        }
        Server bare = builder.build().start();
        System.out.println("port " + bare.getPort());
        System.out.flush();
        while (System.in.read() >= 0) {
            // serve until the benchmark closes our standard input
        }
        bare.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
