package ai.hanzo.node.api.p2p;

import ai.hanzo.node.api.chain.PeerStake;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

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
 * @param stake its operator's registration, stake and slashed flag as the chain registry holds them
 *     for its peer id, from the chain client's cache (refreshed in the background); empty when no
 *     chain client runs or the peer id was not read yet
 * @since 1.2
 */
public record RemoteNode(
        String peerId,
        String nodeId,
        List<String> capabilities,
        long loadMilli,
        List<String> endpoints,
        String agent,
        Instant lastSeen,
        Map<String, String> deployments,
        Optional<PeerStake> stake) {
    /** Copies the collections so the value is immutable. */
    public RemoteNode {
        capabilities = List.copyOf(capabilities);
        endpoints = List.copyOf(endpoints);
        deployments = Map.copyOf(deployments);
        Objects.requireNonNull(stake, "stake");
    }

    /**
     * A node whose on-chain stake is not known.
     *
     * @param peerId the libp2p peer id that signed its messages
     * @param nodeId the node id it reports
     * @param capabilities what it offers
     * @param loadMilli its one-minute load average times 1000
     * @param endpoints the multiaddrs it is reachable on
     * @param agent its software version
     * @param lastSeen when this node last heard from it
     * @param deployments the state of each deployment it announced
     */
    public RemoteNode(
            String peerId,
            String nodeId,
            List<String> capabilities,
            long loadMilli,
            List<String> endpoints,
            String agent,
            Instant lastSeen,
            Map<String, String> deployments) {
        this(
                peerId,
                nodeId,
                capabilities,
                loadMilli,
                endpoints,
                agent,
                lastSeen,
                deployments,
                Optional.empty());
    }

    /**
     * @param stake the operator's registration as read from the chain, if known
     * @return this node with that stake
     */
    public RemoteNode withStake(Optional<PeerStake> stake) {
        return new RemoteNode(
                peerId,
                nodeId,
                capabilities,
                loadMilli,
                endpoints,
                agent,
                lastSeen,
                deployments,
                stake);
    }

    /**
     * @return whether the chain registry shows this node registered, with stake, and not slashed
     */
    public boolean stakedAndUnslashed() {
        return stake.map(s -> s.registered() && s.stake().signum() > 0 && !s.slashed())
                .orElse(false);
    }
}
