package ai.hanzo.node.api.chain;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Objects;

/**
 * What the registry says about the node holding a libp2p peer id: how a remote node's stake is
 * verified from the identity it signs with.
 *
 * @param peerId the peer id asked about
 * @param operatorAddress the operator on record, the zero address when the peer never registered
 * @param registered whether a node with this peer id is registered now
 * @param stake its active stake, in wei
 * @param slashed whether it has been slashed
 * @param readAt when this was read from the chain
 */
public record PeerStake(
        String peerId,
        String operatorAddress,
        boolean registered,
        BigInteger stake,
        boolean slashed,
        Instant readAt) {
    /** Rejects missing values. */
    public PeerStake {
        Objects.requireNonNull(peerId, "peerId");
        Objects.requireNonNull(operatorAddress, "operatorAddress");
        Objects.requireNonNull(stake, "stake");
        Objects.requireNonNull(readAt, "readAt");
    }
}
