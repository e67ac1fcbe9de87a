package ai.hanzo.node.shell.internal;

import ai.hanzo.node.api.compute.Orchestrator;
import ai.hanzo.node.api.runtime.ContainerStatus;
import java.util.HashMap;
import java.util.Map;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code hanzo:ps}: the node's containers, as {@code bin/hanzo-node ps}. */
@Service
@Command(scope = "hanzo", name = "ps", description = "List the node's containers")
public final class PsCommand extends NodeAction {
    /** The label the orchestrator puts on every container of a deployment. */
    static final String DEPLOYMENT_LABEL = "hanzo.deployment";

    @Reference Orchestrator orchestrator;

    @Option(name = "-a", aliases = "--all", description = "Show stopped containers too")
    boolean all;

    @Argument(name = "deployment", description = "Only this deployment's containers")
    String deployment;

    @Override
    Object run() {
        Map<String, String> filters = new HashMap<>();
        if (deployment != null) {
            filters.put(DEPLOYMENT_LABEL, deployment);
        }
        Table table =
                new Table("CONTAINER", "NAME", "IMAGE", "RUNTIME", "STATE", "STATUS", "PORTS");
        for (ContainerStatus c : orchestrator.containers(all, filters)) {
            table.row(
                    c.id().length() > 12 ? c.id().substring(0, 12) : c.id(),
                    c.name(),
                    c.image(),
                    c.runtime(),
                    c.state().wireName(),
                    c.status(),
                    String.join(", ", c.ports().stream().map(Object::toString).toList()));
        }
        if (table.isEmpty()) {
            session.getConsole()
                    .println(
                            deployment == null
                                    ? "No containers."
                                    : "No containers of " + deployment + ".");
        } else {
            table.print(session.getConsole());
        }
        return null;
    }
}
