package ai.hanzo.node.api.chain;

import java.math.BigInteger;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Registration and staking of this node's operator on the Lux chain. Reads are free; each write
 * sends a signed transaction and only happens when an operator calls it. A dead endpoint is {@code
 * UNAVAILABLE}; a reverted transaction is {@code FAILED_PRECONDITION} with the reason.
 */
@ProviderType
public interface StakingService {
    /**
     * @return the chain's status as seen from this node
     */
    ChainStatus chainStatus();

    /**
     * @return the operator's registration and stake
     */
    OperatorStatus operatorStatus();

    /**
     * Registers this node for its operator with an initial stake.
     *
     * @param stakeWei the stake to lock, in wei
     * @return the mined transaction
     */
    TransactionResult register(BigInteger stakeWei);

    /**
     * @param amountWei stake to add, in wei
     * @return the mined transaction
     */
    TransactionResult increaseStake(BigInteger amountWei);

    /**
     * Starts withdrawing stake; it becomes withdrawable after the contract's delay.
     *
     * @param amountWei stake to withdraw, in wei
     * @return the mined transaction
     */
    TransactionResult decreaseStake(BigInteger amountWei);
}
