package ai.hanzo.node.api.chain;

import java.math.BigInteger;
import java.util.Objects;

/**
 * A transaction the node sent that was mined and executed without reverting (a revert is reported
 * as {@link TransactionRevertedException}, never as a result).
 *
 * @param transactionHash the hash of the transaction that was mined, 0x-prefixed (a replacement's
 *     hash when the first broadcast was replaced with a higher fee)
 * @param blockNumber the block that included it
 * @param blockHash that block's hash, 0x-prefixed
 * @param from the sending operator address
 * @param nonce the account nonce it used
 * @param gasUsed gas it consumed
 * @param effectiveGasPriceWei the price per gas actually paid, in wei
 */
public record TransactionResult(
        String transactionHash,
        long blockNumber,
        String blockHash,
        String from,
        long nonce,
        BigInteger gasUsed,
        BigInteger effectiveGasPriceWei) {
    /** Rejects missing values. */
    public TransactionResult {
        Objects.requireNonNull(transactionHash, "transactionHash");
        Objects.requireNonNull(blockHash, "blockHash");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(gasUsed, "gasUsed");
        Objects.requireNonNull(effectiveGasPriceWei, "effectiveGasPriceWei");
    }

    /**
     * @return what the transaction cost in fees: gas used times effective gas price, in wei
     */
    public BigInteger feeWei() {
        return gasUsed.multiply(effectiveGasPriceWei);
    }
}
