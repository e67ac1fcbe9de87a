package ai.hanzo.node.shell.internal;

import ai.hanzo.node.api.NodeException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.support.CommandException;

/**
 * A {@code hanzo:*} command. What the node refuses (a missing deployment, a bad compose file) is
 * one line on the console, as Karaf prints a {@link CommandException}, not a logged stack trace.
 */
abstract class NodeAction implements Action {
    @Reference Session session;

    /** The work of the command; its return value is printed by the shell (null: nothing). */
    abstract Object run() throws Exception;

    @Override
    public final Object execute() throws Exception {
        try {
            return run();
        } catch (NodeException | IllegalArgumentException | IllegalStateException e) {
            throw new CommandException("hanzo: " + e.getMessage(), e);
        }
    }
}
