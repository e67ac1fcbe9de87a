package ai.hanzo.node.api;

/** A resource with the same identity exists. Maps to {@link ErrorCode#ALREADY_EXISTS}. */
public class AlreadyExistsException extends NodeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, in words an operator understands
     */
    public AlreadyExistsException(String message) {
        super(ErrorCode.ALREADY_EXISTS, message);
    }

    /**
     * @param message what failed, in words an operator understands
     * @param cause the underlying failure
     */
    public AlreadyExistsException(String message, Throwable cause) {
        super(ErrorCode.ALREADY_EXISTS, message, cause);
    }
}
