package ai.hanzo.node.cli.compose;

import java.util.List;

/**
 * A compose file the node cannot deploy as written. The message names the file and every problem
 * found, so that one run shows everything to fix.
 */
public final class ComposeException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    ComposeException(String file, List<String> problems) {
        super(format(file, problems));
        this.problems = List.copyOf(problems);
    }

    /**
     * @return each problem on its own, without the file name
     */
    public List<String> problems() {
        return problems;
    }

    private static String format(String file, List<String> problems) {
        if (problems.size() == 1) {
            return file + ": " + problems.get(0);
        }
        StringBuilder text = new StringBuilder(file).append(": ").append(problems.size());
        text.append(" problems:");
        for (String problem : problems) {
            text.append("\n  - ").append(problem);
        }
        return text.toString();
    }
}
