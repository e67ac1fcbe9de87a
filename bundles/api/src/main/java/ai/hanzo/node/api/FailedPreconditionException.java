package ai.hanzo.node.api;

/**
 * The node or resource is in a state that forbids the operation. Maps to {@link
 * ErrorCode#FAILED_PRECONDITION}.
 */
public class FailedPreconditionException extends NodeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, in words an operator understands
     */
    public FailedPreconditionException(String message) {
        super(ErrorCode.FAILED_PRECONDITION, message);
    }

    /**
     * @param message what failed, in words an operator understands
     * @param cause the underlying failure
     */
    public FailedPreconditionException(String message, Throwable cause) {
        super(ErrorCode.FAILED_PRECONDITION, message, cause);
    }
}
