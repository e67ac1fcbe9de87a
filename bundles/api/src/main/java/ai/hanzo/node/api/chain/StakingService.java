package ai.hanzo.node.api.chain;

import java.math.BigInteger;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Registration and staking of this node on the Lux chain's node registry. Reads are free; each
 * write sends one signed transaction from the operator's key and only happens when an operator
 * calls it. Every write checks the operation against the contract first (an estimate that reverts
 * sends nothing) and returns once the endpoint accepted the transaction.
 *
 * <p>Failures: a dead or wrong endpoint is {@link ai.hanzo.node.api.UnavailableException} or {@link
 * ai.hanzo.node.api.FailedPreconditionException} (wrong chain id); a revert is {@link
 * TransactionRevertedException}; an account without the funds is {@code FAILED_PRECONDITION} with
 * the balance; a bad amount is {@link ai.hanzo.node.api.InvalidArgumentException}.
 */
@ProviderType
public interface StakingService {
    /**
     * @return the cached chain status, refreshed in the background; never blocks on the endpoint
     */
    ChainStatus chainStatus();

    /**
     * Reads this node's registration from the contract.
     *
     * @return the registration and stake
     */
    OperatorStatus operatorStatus();

    /**
     * Registers this node (node id, peer id, configured endpoint, capabilities hash) with an
     * initial stake.
     *
     * @param stakeWei the stake to lock, in wei; at least the contract's minimum
     * @return the accepted transaction
     */
    PendingTransaction register(BigInteger stakeWei);

    /**
     * @param amountWei stake to add, in wei
     * @return the accepted transaction
     */
    PendingTransaction addStake(BigInteger amountWei);

    /**
     * Starts unbonding stake; it becomes withdrawable after the contract's delay.
     *
     * @param amountWei stake to unbond, in wei; the remaining stake must stay at the minimum
     * @return the accepted transaction
     */
    PendingTransaction requestUnstake(BigInteger amountWei);

    /**
     * Pays the unbonded stake back to the operator once the delay has passed.
     *
     * @return the accepted transaction
     */
    PendingTransaction withdraw();

    /**
     * Changes the endpoint on record (the capabilities hash is refreshed with it).
     *
     * @param endpoint the new endpoint, for example {@code /dns4/node.example/tcp/9000}
     * @return the accepted transaction
     */
    PendingTransaction updateEndpoint(String endpoint);

    /**
     * Deregisters this node; its whole stake starts unbonding.
     *
     * @return the accepted transaction
     */
    PendingTransaction deregister();

    /**
     * Reads the registration of the node holding a peer id, for verifying remote nodes.
     *
     * @param peerId a libp2p peer id in base58btc text form
     * @return what the registry holds for it; empty when no node ever registered it
     */
    Optional<PeerStake> peerStake(String peerId);

    /**
     * What the registry held for a peer id at the last background read; never blocks, so network
     * code (peer scoring, heartbeat filtering) can ask on every message. A peer not read yet, or
     * read longer ago than the refresh interval, is read again in the background.
     *
     * @param peerId a libp2p peer id in base58btc text form
     * @return the cached record; empty while it has not been read yet, or when no node ever
     *     registered that peer id
     */
    Optional<PeerStake> cachedPeerStake(String peerId);
}
