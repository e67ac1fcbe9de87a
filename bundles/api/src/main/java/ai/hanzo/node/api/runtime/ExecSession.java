package ai.hanzo.node.api.runtime;

import org.osgi.annotation.versioning.ConsumerType;

/** A running exec'd command, to which the caller writes standard input. */
@ConsumerType
public interface ExecSession extends AutoCloseable {
    /**
     * @param bytes bytes to write to the command's standard input
     */
    void writeStdin(byte[] bytes);

    /** Closes the command's standard input (end of file). */
    void closeStdin();

    /** Ends the session; the command is killed if it still runs. */
    @Override
    void close();
}
