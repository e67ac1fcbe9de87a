package ai.hanzo.node.api;

/**
 * Bad input: a malformed request, spec, address or value. Maps to {@link
 * ErrorCode#INVALID_ARGUMENT}.
 */
public class InvalidArgumentException extends NodeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, in words an operator understands
     */
    public InvalidArgumentException(String message) {
        super(ErrorCode.INVALID_ARGUMENT, message);
    }

    /**
     * @param message what failed, in words an operator understands
     * @param cause the underlying failure
     */
    public InvalidArgumentException(String message, Throwable cause) {
        super(ErrorCode.INVALID_ARGUMENT, message, cause);
    }
}
