package ai.hanzo.node.shell.internal;

import ai.hanzo.node.api.compute.DeploymentStatus;
import ai.hanzo.node.api.compute.Orchestrator;
import ai.hanzo.node.api.node.HealthCheck;
import ai.hanzo.node.api.node.HealthReport;
import ai.hanzo.node.api.node.HealthStatus;
import ai.hanzo.node.api.node.NodeInfo;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeMetrics;
import ai.hanzo.node.api.node.NodeProfile;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code hanzo:status}: the node's state, health, load and deployments. */
@Service
@Command(
        scope = "hanzo",
        name = "status",
        description = "Show the node's state, health, load and deployments")
public final class StatusCommand extends NodeAction {
    @Reference NodeLifecycle lifecycle;
    @Reference NodeProfile profile;

    // absent until the compute feature has started
    @Reference(optional = true)
    Orchestrator orchestrator;

    @Override
    Object run() {
        PrintStream out = session.getConsole();
        NodeInfo info = lifecycle.info();
        HealthReport health = lifecycle.health();
        out.println(
                "Node:        "
                        + health.state()
                        + " ("
                        + health.status().name().toLowerCase(Locale.ROOT)
                        + "), up "
                        + uptime(lifecycle.uptime()));
        out.println("Node id:     " + info.nodeId());
        out.println("Version:     " + info.version());
        out.println("Data dir:    " + info.dataDirectory());
        NodeMetrics m = profile.metrics();
        out.printf(
                Locale.ROOT,
                "Load:        cpu %.1f%%  memory %.1f%%  disk %.1f%%  containers %d%n",
                m.cpuUsage() * 100,
                m.memoryUsage() * 100,
                m.diskUsage() * 100,
                m.activeContainers());
        for (HealthCheck check : health.checks()) {
            if (check.status() != HealthStatus.HEALTHY) {
                out.println("Waiting on:  " + check.name() + ": " + check.detail());
            }
        }
        out.println();
        if (orchestrator == null) {
            out.println(
                    "Deployments: the orchestrator is not running (hanzo-node-compute feature)");
            return null;
        }
        Table table = new Table("DEPLOYMENT", "NAME", "STATUS", "READY", "RUNTIME", "MESSAGE");
        for (DeploymentStatus d : orchestrator.statuses()) {
            table.row(
                    d.deploymentId(),
                    d.name(),
                    d.state().wireName(),
                    d.readyReplicas() + "/" + d.replicas(),
                    d.runtime(),
                    d.message());
        }
        if (table.isEmpty()) {
            out.println("No deployments.");
        } else {
            table.print(out);
        }
        return null;
    }

    static String uptime(Duration uptime) {
        long seconds = uptime.toSeconds();
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return seconds / 60 + "m" + seconds % 60 + "s";
        }
        return seconds / 3600 + "h" + seconds % 3600 / 60 + "m";
    }
}
