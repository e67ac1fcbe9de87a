package ai.hanzo.node.itests;

import ai.hanzo.node.proto.v1.GetHealthRequest;
import ai.hanzo.node.proto.v1.GetHealthResponse;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC client for a node's health, run as its own process by tests inside the Karaf container
 * (where gRPC client classes are not available). Prints the health status and the GetHealth status
 * on two lines.
 */
public final class HealthProbeClient {
    private HealthProbeClient() {}

    /**
     * @param args the node's gRPC address, host:port
     * @throws InterruptedException if interrupted while closing the channel
     */
    public static void main(String[] args) throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forTarget(args[0]).usePlaintext().build();
        try {
            HealthCheckResponse health =
                    HealthGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(10, TimeUnit.SECONDS)
                            .check(HealthCheckRequest.newBuilder().build());
            GetHealthResponse node =
                    NodeServiceGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(10, TimeUnit.SECONDS)
                            .getHealth(GetHealthRequest.getDefaultInstance());
            System.out.println(health.getStatus());
            System.out.println(node.getStatus() + " " + node.getVersion());
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
