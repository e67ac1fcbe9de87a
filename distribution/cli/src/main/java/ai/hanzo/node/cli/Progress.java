package ai.hanzo.node.cli;

import java.io.PrintWriter;

/**
 * Progress of a long operation on stderr: a bar redrawn in place on a terminal, a line per change
 * otherwise (logs and pipes stay readable).
 */
final class Progress {
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final boolean terminal;
    private String last = "";

    Progress(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    void show(String what, long done, long total, String state) {
        String line = done + "/" + total + " " + what + " (" + state + ")";
        if (terminal) {
            int filled = total <= 0 ? 0 : (int) Math.min(WIDTH, done * WIDTH / total);
            err.print(
                    "\r["
                            + "#".repeat(filled)
                            + " ".repeat(WIDTH - filled)
                            + "] "
                            + line
                            + "\u001b[K");
            err.flush();
        } else if (!line.equals(last)) {
            err.println(line);
            err.flush();
        }
        last = line;
    }

    void done() {
        if (terminal) {
            err.println();
            err.flush();
        }
    }
}
