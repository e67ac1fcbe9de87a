package ai.hanzo.node.launcher;

/** A start-up setting the operator got wrong; printed as is, without a stack trace. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
