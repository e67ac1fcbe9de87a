package ai.hanzo.node.launcher;

import java.util.Objects;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * A client command with subcommands, built only when the command line names it: building a picocli
 * {@link CommandLine} reads the annotations of the whole tree by reflection, which would cost every
 * other command's start-up.
 *
 * @param name the command's name on the command line
 * @param build builds the command with its subcommands
 */
public record CommandTree(String name, Supplier<CommandLine> build) {
    /** Checks that both parts are given. */
    public CommandTree {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(build, "build");
    }
}
