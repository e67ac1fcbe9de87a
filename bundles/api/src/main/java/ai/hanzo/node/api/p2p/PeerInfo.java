package ai.hanzo.node.api.p2p;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the node knows about a peer.
 *
 * @param peerId the libp2p peer id in its base58btc text form
 * @param addresses the peer's known multiaddrs in text form
 * @param protocols the protocols the peer announced through identify
 * @param agentVersion the peer's agent string, or empty
 * @param connected whether a connection is open now
 * @param latency the last measured ping round trip, if any
 */
public record PeerInfo(
        String peerId,
        List<String> addresses,
        List<String> protocols,
        String agentVersion,
        boolean connected,
        Optional<Duration> latency) {
    /** Copies the lists so the value is immutable. */
    public PeerInfo {
        addresses = List.copyOf(addresses);
        protocols = List.copyOf(protocols);
    }
}
