package ai.hanzo.node.api;

/** The operation did not finish in time. Maps to {@link ErrorCode#DEADLINE_EXCEEDED}. */
public class DeadlineExceededException extends NodeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, in words an operator understands
     */
    public DeadlineExceededException(String message) {
        super(ErrorCode.DEADLINE_EXCEEDED, message);
    }

    /**
     * @param message what failed, in words an operator understands
     * @param cause the underlying failure
     */
    public DeadlineExceededException(String message, Throwable cause) {
        super(ErrorCode.DEADLINE_EXCEEDED, message, cause);
    }
}
