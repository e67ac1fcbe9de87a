package ai.hanzo.node.cli;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * The process's byte streams and whether they are a terminal. Commands that pass bytes through
 * ({@code exec}) use these; tests replace them.
 */
final class Terminal {
    static volatile InputStream stdin = System.in;
    static volatile OutputStream stdout = System.out;
    static volatile OutputStream stderr = System.err;

    private Terminal() {}

    /**
     * @param env the process environment
     * @return whether colours and progress redraws are wanted: stdout is a terminal, {@code
     *     NO_COLOR} is not set and {@code TERM} is not {@code dumb}
     */
    static boolean colours(Map<String, String> env) {
        return System.console() != null
                && stdout == System.out
                && !env.containsKey("NO_COLOR")
                && !"dumb".equals(env.get("TERM"));
    }
}
