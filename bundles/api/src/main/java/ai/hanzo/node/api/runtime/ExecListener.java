package ai.hanzo.node.api.runtime;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives what an exec'd command writes, then how it ended. Called on a runtime thread, in order;
 * must not block for long.
 */
@ConsumerType
public interface ExecListener {
    /**
     * @param chunk bytes the command wrote to standard output
     */
    void stdout(byte[] chunk);

    /**
     * @param chunk bytes the command wrote to standard error (with a tty, all output is stdout)
     */
    void stderr(byte[] chunk);

    /**
     * @param exitCode the command's exit code; called exactly once, last
     */
    void exited(int exitCode);

    /**
     * @param failure why the session broke before the command's exit code was known
     */
    void failed(Throwable failure);
}
