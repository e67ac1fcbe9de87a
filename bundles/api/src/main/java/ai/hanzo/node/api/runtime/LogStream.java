package ai.hanzo.node.api.runtime;

import java.util.Locale;

/** The output stream a log line came from. */
public enum LogStream {
    /** Standard output. */
    STDOUT,
    /** Standard error. */
    STDERR;

    /**
     * @return {@code stdout} or {@code stderr}, as on the wire
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
