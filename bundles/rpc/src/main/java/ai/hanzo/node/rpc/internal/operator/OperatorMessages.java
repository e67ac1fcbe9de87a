package ai.hanzo.node.rpc.internal.operator;

import ai.hanzo.node.api.DeadlineExceededException;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.chain.ChainStatus;
import ai.hanzo.node.api.chain.OperatorStatus;
import ai.hanzo.node.api.chain.PendingTransaction;
import ai.hanzo.node.api.chain.TransactionResult;
import ai.hanzo.node.proto.v1.OperatorStatusResponse;
import ai.hanzo.node.proto.v1.TransactionResponse;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;

/** Maps between {@code operator.proto} messages and the api's chain types. */
final class OperatorMessages {
    /** How long a write waits for its transaction when the request does not say. */
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(60);

    /** The longest a request may ask to wait. */
    static final Duration MAX_WAIT = Duration.ofMinutes(10);

    private OperatorMessages() {}

    /**
     * @param value a decimal wei amount as sent on the wire
     * @param field the field's name, for the error
     * @return the positive amount
     */
    static BigInteger wei(String value, String field) {
        if (value == null || !value.trim().matches("[0-9]{1,78}")) {
            throw new InvalidArgumentException(
                    field + " must be a positive decimal number of wei, got '" + value + "'");
        }
        BigInteger wei = new BigInteger(value.trim());
        if (wei.signum() == 0) {
            throw new InvalidArgumentException(field + " must be more than 0 wei");
        }
        return wei;
    }

    /** The wait a request asked for: 0 is the default, more than the maximum is capped. */
    static Duration waitFor(int waitSeconds) {
        if (waitSeconds <= 0) {
            return DEFAULT_WAIT;
        }
        Duration asked = Duration.ofSeconds(Integer.toUnsignedLong(waitSeconds));
        return asked.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : asked;
    }

    static OperatorStatusResponse status(OperatorStatus status) {
        ChainStatus chain = status.status();
        return OperatorStatusResponse.newBuilder()
                .setOperatorAddress(status.operatorAddress())
                .setRegistered(status.registered())
                .setStakeWei(status.stake().toString())
                .setPendingWithdrawalWei(status.pendingWithdrawal().toString())
                .setWithdrawableAt(status.withdrawableAt().map(Instant::getEpochSecond).orElse(0L))
                .setSlashed(status.slashed())
                .setChainId(chain.chainId())
                .setBlockHeight(chain.blockHeight())
                .setSynced(chain.synced())
                .setNodeId(status.nodeId())
                .setPeerId(status.peerId())
                .setEndpoint(status.endpoint())
                .setProblem(chain.problem())
                .build();
    }

    /**
     * Waits for a sent transaction. A revert propagates as its exception (FAILED_PRECONDITION); a
     * transaction not mined in time is answered with {@code mined = false}, its hash and nonce.
     */
    static TransactionResponse outcome(PendingTransaction pending, Duration wait) {
        try {
            TransactionResult result = pending.await(wait);
            return TransactionResponse.newBuilder()
                    .setAction(pending.action())
                    .setTransactionHash(result.transactionHash())
                    .setBlockNumber(result.blockNumber())
                    .setBlockHash(result.blockHash())
                    .setFrom(result.from())
                    .setNonce(result.nonce())
                    .setGasUsed(result.gasUsed().toString())
                    .setEffectiveGasPriceWei(result.effectiveGasPriceWei().toString())
                    .setSuccess(true)
                    .setMined(true)
                    .setMessage(
                            pending.action()
                                    + " mined in block "
                                    + result.blockNumber()
                                    + ", fee "
                                    + result.feeWei()
                                    + " wei")
                    .build();
        } catch (DeadlineExceededException e) {
            return TransactionResponse.newBuilder()
                    .setAction(pending.action())
                    .setTransactionHash(pending.transactionHash())
                    .setNonce(pending.nonce())
                    .setSuccess(false)
                    .setMined(false)
                    .setMessage(e.getMessage())
                    .build();
        }
    }
}
