package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.NodeException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Maps node failures to gRPC statuses: the description says what failed, never a stack trace. */
public final class ErrorStatus {
    private ErrorStatus() {}

    /**
     * @param failure what went wrong
     * @return the status that reports it
     */
    public static StatusRuntimeException of(Throwable failure) {
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
        return Status.INTERNAL.withDescription("internal error: " + failure).asRuntimeException();
    }
}
