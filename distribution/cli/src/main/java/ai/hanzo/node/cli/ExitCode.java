package ai.hanzo.node.cli;

import io.grpc.Status;

/** The exit codes of the client commands, as the operator guide lists them. */
final class ExitCode {
    /** The command did what it was asked. */
    static final int OK = 0;

    /** The node refused or failed the request (the message says why). */
    static final int FAILED = 1;

    /** Bad flags, arguments or input file: nothing was sent. */
    static final int USAGE = 2;

    /** The node could not be reached (not running, wrong --grpc-addr, TLS mismatch, timeout). */
    static final int UNREACHABLE = 3;

    /** No API key, a wrong one, or one whose role lacks the permission. */
    static final int UNAUTHENTICATED = 4;

    /** The deployment, container or model named does not exist. */
    static final int NOT_FOUND = 5;

    private ExitCode() {}

    /**
     * @param code the gRPC status code the node answered with
     * @return the exit code for it
     */
    static int of(Status.Code code) {
        return switch (code) {
            case OK -> OK;
            case UNAVAILABLE, DEADLINE_EXCEEDED -> UNREACHABLE;
            case UNAUTHENTICATED, PERMISSION_DENIED -> UNAUTHENTICATED;
            case NOT_FOUND -> NOT_FOUND;
            case INVALID_ARGUMENT -> USAGE;
            default -> FAILED;
        };
    }
}
