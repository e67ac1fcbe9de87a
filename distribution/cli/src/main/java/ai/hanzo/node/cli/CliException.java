package ai.hanzo.node.cli;

/** A client command failure with the exit code and the one-line message to print. */
final class CliException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
