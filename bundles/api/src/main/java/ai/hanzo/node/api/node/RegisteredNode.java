package ai.hanzo.node.api.node;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A node registered with this one.
 *
 * @param nodeId its node id
 * @param peerId the libp2p peer id of the key it proved it holds
 * @param operatorAddress its operator's EVM address, or empty
 * @param endpoint where it serves gRPC, or empty
 * @param capabilities what it last said it offers
 * @param registeredAt when its registration became active
 * @param lastHeartbeat when its last heartbeat arrived, if any
 * @param lastMetrics the metrics of its last heartbeat, if any
 */
public record RegisteredNode(
        String nodeId,
        String peerId,
        String operatorAddress,
        String endpoint,
        NodeCapabilities capabilities,
        Instant registeredAt,
        Optional<Instant> lastHeartbeat,
        Optional<NodeMetrics> lastMetrics) {
    /** Rejects missing values. */
    public RegisteredNode {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(peerId, "peerId");
        Objects.requireNonNull(operatorAddress, "operatorAddress");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(capabilities, "capabilities");
        Objects.requireNonNull(registeredAt, "registeredAt");
        Objects.requireNonNull(lastHeartbeat, "lastHeartbeat");
        Objects.requireNonNull(lastMetrics, "lastMetrics");
    }
}
