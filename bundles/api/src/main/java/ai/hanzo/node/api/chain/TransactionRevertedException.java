package ai.hanzo.node.api.chain;

import ai.hanzo.node.api.FailedPreconditionException;
import java.util.Objects;
import java.util.Optional;

/**
 * The contract refused the operation: either the node's pre-flight gas estimate reverted (nothing
 * was sent) or the mined transaction reverted. The one way a revert is reported. Maps to {@code
 * FAILED_PRECONDITION}.
 */
public class TransactionRevertedException extends FailedPreconditionException {
    private static final long serialVersionUID = 1L;

    private final String reason;
    private final String transactionHash;

    /**
     * @param message what failed, with the reason, in words an operator understands
     * @param reason the decoded revert reason, for example {@code StakeBelowMinimum(1, 100)}
     * @param transactionHash the reverted transaction, or {@code null} when nothing was sent
     */
    public TransactionRevertedException(String message, String reason, String transactionHash) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.transactionHash = transactionHash;
    }

    /**
     * @return the decoded revert reason: a custom error with its arguments, an {@code
     *     Error(string)} message, a panic code, or a note that the contract gave none
     */
    public String reason() {
        return reason;
    }

    /**
     * @return the mined transaction that reverted; empty when the revert was found before sending
     */
    public Optional<String> transactionHash() {
        return Optional.ofNullable(transactionHash);
    }
}
