package ai.hanzo.node.api.chain;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * This node's registration and stake as read from the registry contract.
 *
 * @param operatorAddress the operator's EVM address (from the keystore), 0x-prefixed
 * @param nodeId the node id the registration is keyed by
 * @param peerId the libp2p peer id on record, empty when never registered
 * @param endpoint the endpoint on record, empty when never registered
 * @param registered whether the node is registered now
 * @param stake the active stake, in wei
 * @param pendingWithdrawal stake unbonding or ready to withdraw, in wei
 * @param withdrawableAt when the pending withdrawal can be completed, if one is pending
 * @param slashed whether the node has been slashed
 * @param status the chain status at the time of the read
 */
public record OperatorStatus(
        String operatorAddress,
        String nodeId,
        String peerId,
        String endpoint,
        boolean registered,
        BigInteger stake,
        BigInteger pendingWithdrawal,
        Optional<Instant> withdrawableAt,
        boolean slashed,
        ChainStatus status) {
    /** Rejects missing values. */
    public OperatorStatus {
        Objects.requireNonNull(operatorAddress, "operatorAddress");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(peerId, "peerId");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(stake, "stake");
        Objects.requireNonNull(pendingWithdrawal, "pendingWithdrawal");
        Objects.requireNonNull(withdrawableAt, "withdrawableAt");
        Objects.requireNonNull(status, "status");
    }
}
