package ai.hanzo.node.api;

import java.util.Objects;

/**
 * The one exception type of the node API. Its {@link #code()} says what kind of failure it is and
 * decides the gRPC status it is reported with; its message tells the operator what failed and,
 * where there is something to do, what to do. Subclasses exist so callers can catch a kind.
 */
public class NodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    /**
     * @param code what kind of failure this is
     * @param message what failed, in words an operator understands
     */
    public NodeException(ErrorCode code, String message) {
        this(code, message, null);
    }

    /**
     * @param code what kind of failure this is
     * @param message what failed, in words an operator understands
     * @param cause the underlying failure, or {@code null}
     */
    public NodeException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /**
     * @return the kind of failure, which maps one-to-one to a gRPC status code
     */
    public ErrorCode code() {
        return code;
    }
}
