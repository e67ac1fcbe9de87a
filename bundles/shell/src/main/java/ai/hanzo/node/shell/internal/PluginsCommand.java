package ai.hanzo.node.shell.internal;

import ai.hanzo.node.api.plugin.PluginInfo;
import ai.hanzo.node.api.plugin.PluginRegistry;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code hanzo:plugins}: the plugin bundles the node knows, their state and what they provide. */
@Service
@Command(
        scope = "hanzo",
        name = "plugins",
        description = "List plugins, their state and what they provide")
public final class PluginsCommand extends NodeAction {
    @Reference PluginRegistry registry;

    @Override
    Object run() {
        Table table =
                new Table("PLUGIN", "VERSION", "KIND", "STATE", "BUNDLE", "PROVIDES", "REASON");
        for (PluginInfo p : registry.list()) {
            table.row(
                    p.descriptor().name(),
                    p.descriptor().version(),
                    p.descriptor().kind().name().toLowerCase(Locale.ROOT),
                    p.state().name().toLowerCase(Locale.ROOT),
                    p.bundleId(),
                    String.join(", ", p.provides()),
                    p.reason());
        }
        if (table.isEmpty()) {
            session.getConsole()
                    .println("No plugins installed (drop plugin bundles into deploy/).");
        } else {
            table.print(session.getConsole());
        }
        return null;
    }
}
