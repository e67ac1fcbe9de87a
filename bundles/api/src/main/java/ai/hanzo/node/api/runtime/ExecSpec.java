package ai.hanzo.node.api.runtime;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A command to run inside a running container.
 *
 * @param command the command and its arguments (an argument vector, never a shell string)
 * @param environment extra environment variables, on top of the container's
 * @param workingDir the working directory, or empty for the container's
 * @param user the user to run as, or empty for the container's
 * @param attachStdin whether the caller writes standard input; when false the command's standard
 *     input is empty
 * @param tty whether to allocate a terminal (output then all arrives as stdout)
 * @param columns the terminal's initial width, when {@code tty}; 0 for the runtime's default
 * @param rows the terminal's initial height, when {@code tty}; 0 for the runtime's default
 */
public record ExecSpec(
        List<String> command,
        Map<String, String> environment,
        String workingDir,
        String user,
        boolean attachStdin,
        boolean tty,
        int columns,
        int rows) {
    /** Rejects missing values and copies the collections so the spec is immutable. */
    public ExecSpec {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
        Objects.requireNonNull(workingDir, "workingDir");
        Objects.requireNonNull(user, "user");
    }

    /**
     * @param command the command and its arguments
     * @return a spec that runs {@code command} with the container's environment and directory, no
     *     standard input and no terminal
     */
    public static ExecSpec of(List<String> command) {
        return new ExecSpec(command, Map.of(), "", "", false, false, 0, 0);
    }
}
