package ai.hanzo.node.api.runtime;

import java.util.List;
import java.util.Map;

/**
 * A command to run inside a running container.
 *
 * @param command the command and its arguments
 * @param environment extra environment variables
 * @param tty whether to allocate a terminal
 */
public record ExecSpec(List<String> command, Map<String, String> environment, boolean tty) {
    /** Copies the collections so the spec is immutable. */
    public ExecSpec {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
    }
}
