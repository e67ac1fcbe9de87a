package ai.hanzo.node.api.chain;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;

/**
 * The operator's registration and stake as read from the chain.
 *
 * @param operatorAddress the operator's EVM address
 * @param registered whether the node is registered
 * @param stake the active stake, in wei
 * @param pendingWithdrawal stake requested for withdrawal, in wei
 * @param withdrawableAt when the pending withdrawal can be completed, if one is pending
 * @param slashed whether the operator has been slashed
 */
public record OperatorStatus(
        String operatorAddress,
        boolean registered,
        BigInteger stake,
        BigInteger pendingWithdrawal,
        Optional<Instant> withdrawableAt,
        boolean slashed) {}
