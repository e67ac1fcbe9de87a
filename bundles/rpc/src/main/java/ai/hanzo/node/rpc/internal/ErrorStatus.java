package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.NodeException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps failures to gRPC statuses. Only the api's {@link NodeException}s (and statuses already made)
 * choose the code; anything else is INTERNAL. The description says what failed, never a class name
 * or a stack trace: unexpected failures are logged here, with their stack trace, for the operator.
 */
public final class ErrorStatus {
    private static final Logger LOGGER = LoggerFactory.getLogger(ErrorStatus.class);

    private ErrorStatus() {}

    /**
     * @param failure what went wrong
     * @return the status to close the call with
     */
    public static StatusRuntimeException of(Throwable failure) {
        return of(failure, "the request failed");
    }

    /**
     * @param failure what went wrong
     * @param what what the call was doing, for the INTERNAL description of failures the api does
     *     not describe (for example "embedding failed")
     * @return the status to close the call with
     */
    public static StatusRuntimeException of(Throwable failure, String what) {
        Throwable cause = unwrap(failure);
        if (cause instanceof StatusRuntimeException status) {
            return status;
        }
        if (cause instanceof StatusException status) {
            return status.getStatus().asRuntimeException(status.getTrailers());
        }
        if (cause instanceof NodeException node) {
            return Status.fromCode(Status.Code.valueOf(node.code().name()))
                    .withDescription(node.getMessage())
                    .asRuntimeException();
        }
        LOGGER.warn("{}: unexpected failure", what, cause);
        return Status.INTERNAL
                .withDescription(what + " (an unexpected error; the node's log has the details)")
                .asRuntimeException();
    }

    /**
     * @param message what was wrong with the request
     * @return an INVALID_ARGUMENT status
     */
    public static StatusRuntimeException invalidArgument(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
