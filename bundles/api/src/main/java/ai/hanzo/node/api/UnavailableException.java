package ai.hanzo.node.api;

/**
 * A dependency cannot be reached now; the call may succeed later. Maps to {@link
 * ErrorCode#UNAVAILABLE}.
 */
public class UnavailableException extends NodeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, in words an operator understands
     */
    public UnavailableException(String message) {
        super(ErrorCode.UNAVAILABLE, message);
    }

    /**
     * @param message what failed, in words an operator understands
     * @param cause the underlying failure
     */
    public UnavailableException(String message, Throwable cause) {
        super(ErrorCode.UNAVAILABLE, message, cause);
    }
}
