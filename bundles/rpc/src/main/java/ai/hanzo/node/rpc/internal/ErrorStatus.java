package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.NodeException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Maps node failures to gRPC statuses: the description says what failed, never a stack trace. */
public final class ErrorStatus {
    private ErrorStatus() {}

    /**
     * @param failure what went wrong (CompletionException / ExecutionException are unwrapped)
     * @return the status to send
     */
    public static StatusRuntimeException of(Throwable failure) {
        return of(failure, "internal error");
    }

    /**
     * @param failure what went wrong (CompletionException / ExecutionException are unwrapped)
     * @param what what failed, for failures that are not the node's own exceptions
     * @return the status to send
     */
    public static StatusRuntimeException of(Throwable failure, String what) {
        while ((failure instanceof java.util.concurrent.CompletionException
                        || failure instanceof java.util.concurrent.ExecutionException)
                && failure.getCause() != null) {
            failure = failure.getCause();
        }
        if (failure instanceof java.util.concurrent.CancellationException) {
            return Status.CANCELLED.withDescription("cancelled").asRuntimeException();
        }
        if (failure instanceof StatusRuntimeException status) {
            return status;
        }
        if (failure instanceof NodeException node) {
            return Status.fromCode(Status.Code.valueOf(node.code().name()))
                    .withDescription(node.getMessage())
                    .asRuntimeException();
        }
        if (failure instanceof IllegalArgumentException) {
            return Status.INVALID_ARGUMENT
                    .withDescription(failure.getMessage())
                    .asRuntimeException();
        }
        String message = failure.getMessage();
        return Status.INTERNAL
                .withDescription(what + (message == null ? "" : ": " + message))
                .asRuntimeException();
    }
}
