package ai.hanzo.node.api.chain;

import java.time.Duration;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A transaction that was signed and accepted by the chain endpoint but may not be mined yet. Ask
 * for its outcome with a bounded wait; a stuck transaction is re-sent with the same nonce and a
 * higher fee after the configured time, so its hash can change while waiting.
 */
@ProviderType
public interface PendingTransaction {
    /**
     * @return what the transaction does, for example {@code register} or {@code withdraw}
     */
    String action();

    /**
     * @return the hash of the latest broadcast, 0x-prefixed
     */
    String transactionHash();

    /**
     * @return the account nonce it uses
     */
    long nonce();

    /**
     * Waits for the transaction to be mined.
     *
     * @param timeout the longest to wait
     * @return the mined, successful transaction
     * @throws TransactionRevertedException if it reverted, with the reason replayed at its block
     * @throws ai.hanzo.node.api.DeadlineExceededException if it was not mined in time; it stays
     *     pending and can be awaited again
     * @throws ai.hanzo.node.api.UnavailableException if the chain endpoint cannot be reached
     */
    TransactionResult await(Duration timeout);
}
