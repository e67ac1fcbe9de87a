package ai.hanzo.node.api;

/** The named resource does not exist. Maps to {@link ErrorCode#NOT_FOUND}. */
public class NotFoundException extends NodeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, in words an operator understands
     */
    public NotFoundException(String message) {
        super(ErrorCode.NOT_FOUND, message);
    }

    /**
     * @param message what failed, in words an operator understands
     * @param cause the underlying failure
     */
    public NotFoundException(String message, Throwable cause) {
        super(ErrorCode.NOT_FOUND, message, cause);
    }
}
