package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.DeploymentStatus;
import ai.hanzo.node.proto.v1.GetHealthRequest;
import ai.hanzo.node.proto.v1.GetHealthResponse;
import ai.hanzo.node.proto.v1.GetStatusRequest;
import ai.hanzo.node.proto.v1.GetStatusResponse;
import ai.hanzo.node.proto.v1.NodeMetrics;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;

/** {@code hanzo-node status}: the node's state, health, load and deployments. */
@Command(name = "status", description = "Show the node's state, health, load and deployments")
final class StatusCommand extends ClientCommand {
    StatusCommand(ClientContext context) {
        this.context = context;
    }

    @Override
    int run(Output output) throws Exception {
        GetHealthResponse health = blocking().getHealth(GetHealthRequest.getDefaultInstance());
        GetStatusResponse status = blocking().getStatus(GetStatusRequest.getDefaultInstance());
        if (!output.table()) {
            // one document: the two wire messages side by side
            Struct.Builder both = Struct.newBuilder();
            Struct.Builder part = Struct.newBuilder();
            JsonFormat.parser()
                    .merge(
                            JsonFormat.printer()
                                    .preservingProtoFieldNames()
                                    .alwaysPrintFieldsWithNoPresence()
                                    .print(health),
                            part);
            both.putFields("health", Value.newBuilder().setStructValue(part).build());
            part = Struct.newBuilder();
            JsonFormat.parser()
                    .merge(
                            JsonFormat.printer()
                                    .preservingProtoFieldNames()
                                    .alwaysPrintFieldsWithNoPresence()
                                    .print(status),
                            part);
            both.putFields("status", Value.newBuilder().setStructValue(part).build());
            both.putFields("address", Value.newBuilder().setStringValue(node.address()).build());
            output.message(both);
            return ExitCode.OK;
        }
        String state = status.getState().name().replace("NODE_STATE_", "");
        String healthText =
                health.getStatus().name().replace("HEALTH_STATUS_", "").toLowerCase(Locale.ROOT);
        var out = output.out();
        out.println(
                "Node:        "
                        + output.state(state)
                        + " ("
                        + output.state(healthText)
                        + "), up "
                        + CliFormat.uptime(status.getUptimeSeconds()));
        out.println("Version:     " + (health.getVersion().isEmpty() ? "-" : health.getVersion()));
        out.println("Address:     " + node.address());
        if (!health.getModelsList().isEmpty()) {
            out.println("Models:      " + String.join(", ", health.getModelsList()));
        }
        NodeMetrics m = status.getMetrics();
        out.printf(
                "Load:        cpu %s  memory %s  disk %s  net rx %s/s tx %s/s  containers %d%n",
                CliFormat.percent(m.getCpuUsage()),
                CliFormat.percent(m.getMemoryUsage()),
                CliFormat.percent(m.getDiskUsage()),
                CliFormat.bytes(m.getNetworkRxBytes()),
                CliFormat.bytes(m.getNetworkTxBytes()),
                m.getActiveContainers());
        out.println();
        if (status.getDeploymentsList().isEmpty()) {
            out.println("No deployments.");
            out.flush();
            return ExitCode.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        for (DeploymentStatus d : status.getDeploymentsList()) {
            rows.add(
                    List.of(
                            d.getDeploymentId(),
                            d.getName(),
                            output.state(d.getStatus()),
                            d.getReadyReplicas() + "/" + d.getReplicas(),
                            d.getRuntime().isEmpty() ? "-" : d.getRuntime(),
                            d.getMessage()));
        }
        output.table(List.of("DEPLOYMENT", "NAME", "STATUS", "READY", "RUNTIME", "MESSAGE"), rows);
        return ExitCode.OK;
    }
}
