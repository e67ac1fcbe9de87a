package ai.hanzo.node.api.runtime;

import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A command running inside a container, made by {@link ContainerRuntime#exec}. The caller writes
 * its standard input and may resize its terminal; its output goes to the {@link StreamSink} given
 * to {@code exec}. The output sink's {@link StreamSink#complete()} is called only after {@link
 * #exitCode()} has completed, so a consumer can read the exit code there.
 */
@ProviderType
public interface ExecSession extends AutoCloseable {
    /**
     * Writes to the command's standard input. Blocks while the command does not read (that is the
     * back-pressure).
     *
     * @param bytes bytes to write
     * @throws ai.hanzo.node.api.FailedPreconditionException if the session was made without {@link
     *     ExecSpec#attachStdin()}, or its standard input is closed, or the command ended
     */
    void writeStdin(byte[] bytes);

    /** Closes the command's standard input (end of file). Closing twice is harmless. */
    void closeStdin();

    /**
     * Changes the terminal's size.
     *
     * @param columns the new width
     * @param rows the new height
     * @throws ai.hanzo.node.api.FailedPreconditionException if the session has no terminal
     */
    void resize(int columns, int rows);

    /**
     * @return the command's exit code, once it has ended; failed with a {@link
     *     ai.hanzo.node.api.NodeException} when the session broke before the code was known
     */
    CompletionStage<Integer> exitCode();

    /**
     * Ends the session: the command is killed if it still runs, and no output callback starts after
     * this returns. Closing twice is harmless.
     */
    @Override
    void close();
}
