package ai.hanzo.node.api.runtime;

import java.util.Objects;

/**
 * A chunk of what an exec'd command wrote.
 *
 * @param stream where it wrote it (with a terminal, always {@link LogStream#STDOUT})
 * @param data the bytes, not split at line ends
 */
public record ExecOutput(LogStream stream, byte[] data) {
    /** Rejects missing values and copies the bytes so the value is immutable. */
    public ExecOutput {
        Objects.requireNonNull(stream, "stream");
        data = data.clone();
    }

    /**
     * @return a copy of the bytes
     */
    @Override
    public byte[] data() {
        return data.clone();
    }
}
