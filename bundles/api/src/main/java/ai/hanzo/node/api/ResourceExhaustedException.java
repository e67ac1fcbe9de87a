package ai.hanzo.node.api;

/** A capacity or size limit was reached. Maps to {@link ErrorCode#RESOURCE_EXHAUSTED}. */
public class ResourceExhaustedException extends NodeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, in words an operator understands
     */
    public ResourceExhaustedException(String message) {
        super(ErrorCode.RESOURCE_EXHAUSTED, message);
    }

    /**
     * @param message what failed, in words an operator understands
     * @param cause the underlying failure
     */
    public ResourceExhaustedException(String message, Throwable cause) {
        super(ErrorCode.RESOURCE_EXHAUSTED, message, cause);
    }
}
