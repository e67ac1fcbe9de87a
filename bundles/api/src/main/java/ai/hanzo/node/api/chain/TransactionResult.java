package ai.hanzo.node.api.chain;

/**
 * The outcome of a transaction the node sent.
 *
 * @param transactionHash the transaction hash, 0x-prefixed
 * @param blockNumber the block that included it
 * @param success whether it executed without reverting
 * @param message the revert reason, or a short summary when it succeeded
 */
public record TransactionResult(
        String transactionHash, long blockNumber, boolean success, String message) {}
