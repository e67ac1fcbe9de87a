package ai.hanzo.node.launcher;

import java.util.List;

/**
 * Adds client commands to {@code bin/hanzo-node}. The launcher creates the implementation named by
 * the system property {@code hanzo.client.commands} (which {@code bin/hanzo-node} sets), else finds
 * implementations with {@link java.util.ServiceLoader} on its class path: the gRPC client commands
 * live in {@code lib/cli}, which only the client JVM has on its class path, so the node's JVM (and
 * Karaf's boot class path) never sees them or their libraries. Implementations need a public
 * no-argument constructor.
 */
public interface ClientCommands {
    /**
     * @param context the settings the command line resolves, filled in before a command runs
     * @return picocli command objects (annotated {@code @Command}), each a {@code
     *     Callable<Integer>} returning the exit code, or a {@link CommandTree} for a command with
     *     subcommands
     */
    List<Object> commands(ClientContext context);

    /**
     * Called once before the command line is parsed, with its first word (which may not name a
     * command): a provider may start, on a daemon thread, work that the named command will need, so
     * that it overlaps with parsing. Nothing the command's result depends on may happen here.
     *
     * @param command the first word of the command line
     */
    default void starting(String command) {}
}
