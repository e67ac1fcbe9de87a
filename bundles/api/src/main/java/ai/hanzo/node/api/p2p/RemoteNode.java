package ai.hanzo.node.api.p2p;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Another Hanzo node of this node's network, as its signed heartbeats and announcements describe
 * it.
 *
 * @param peerId the libp2p peer id that signed its messages; the identity to trust
 * @param nodeId the node id it reports (operator-facing, not authenticated beyond the peer id)
 * @param capabilities what it offers, {@code <kind>:<name>} such as {@code model:minilm}
 * @param loadMilli its one-minute load average times 1000
 * @param endpoints the multiaddrs it is reachable on
 * @param agent its software version
 * @param lastSeen when this node last heard from it
 * @param deployments the state of each deployment it announced, by deployment id
 */
public record RemoteNode(
        String peerId,
        String nodeId,
        List<String> capabilities,
        long loadMilli,
        List<String> endpoints,
        String agent,
        Instant lastSeen,
        Map<String, String> deployments) {
    /** Copies the collections so the value is immutable. */
    public RemoteNode {
        capabilities = List.copyOf(capabilities);
        endpoints = List.copyOf(endpoints);
        deployments = Map.copyOf(deployments);
    }
}
