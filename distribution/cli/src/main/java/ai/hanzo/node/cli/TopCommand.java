package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.GetMetricsRequest;
import ai.hanzo.node.proto.v1.MetricsResponse;
import ai.hanzo.node.proto.v1.NodeMetrics;
import java.util.Iterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hanzo-node top}: live node metrics, a line per sample (as vmstat prints). */
@Command(name = "top", description = "Live node metrics: CPU, memory, disk, network, containers")
final class TopCommand extends ClientCommand {
    @Option(
            names = "--interval",
            paramLabel = "<seconds>",
            defaultValue = "2",
            description = "Seconds between samples (default: ${DEFAULT-VALUE})")
    int interval;

    @Option(
            names = {"-n", "--count"},
            paramLabel = "<n>",
            description = "Stop after n samples")
    int count;

    TopCommand(ClientContext context) {
        this.context = context;
    }

    @Override
    int run(Output output) throws Exception {
        if (interval < 1) {
            throw new CliException(ExitCode.USAGE, "--interval must be 1 or more seconds");
        }
        Iterator<MetricsResponse> samples =
                streaming()
                        .getMetrics(
                                GetMetricsRequest.newBuilder()
                                        .setIntervalSeconds(interval)
                                        .build());
        int seen = 0;
        while (samples.hasNext() && (count <= 0 || seen < count)) {
            MetricsResponse sample = samples.next();
            if (!output.table()) {
                output.streamed(sample);
            } else {
                if (seen % 20 == 0) {
                    output.out()
                            .printf(
                                    "%-20s  %6s  %6s  %6s  %10s  %10s  %s%n",
                                    "TIME", "CPU", "MEM", "DISK", "RX/S", "TX/S", "CONTAINERS");
                }
                NodeMetrics m = sample.getMetrics();
                output.out()
                        .printf(
                                "%-20s  %6s  %6s  %6s  %10s  %10s  %d%n",
                                CliFormat.time(sample.getTimestamp()),
                                CliFormat.percent(m.getCpuUsage()),
                                CliFormat.percent(m.getMemoryUsage()),
                                CliFormat.percent(m.getDiskUsage()),
                                CliFormat.bytes(m.getNetworkRxBytes()),
                                CliFormat.bytes(m.getNetworkTxBytes()),
                                m.getActiveContainers());
                output.out().flush();
            }
            seen++;
        }
        return ExitCode.OK;
    }
}
