package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.ContainerInfo;
import ai.hanzo.node.proto.v1.ListContainersRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hanzo-node ps}: the node's containers, as {@code docker ps} lists them. */
@Command(name = "ps", description = "List containers (running ones; -a for all)")
final class PsCommand extends ClientCommand {
    @Option(
            names = {"-a", "--all"},
            description = "Stopped and exited containers too")
    boolean all;

    @Option(
            names = "--filter",
            paramLabel = "<key=value>",
            description = "Filter passed to the node (e.g. deployment=ID, service=web); repeatable")
    Map<String, String> filters = new LinkedHashMap<>();

    @Option(
            names = {"-q", "--quiet"},
            description = "Only container ids")
    boolean quiet;

    @Option(names = "--no-trunc", description = "Full container ids")
    boolean noTrunc;

    @Parameters(
            arity = "0..1",
            paramLabel = "<deployment>",
            description = "Only this deployment's containers")
    String deployment;

    PsCommand(ClientContext context) {
        this.context = context;
    }

    @Override
    int run(Output output) throws Exception {
        ListContainersRequest.Builder request =
                ListContainersRequest.newBuilder().setAll(all).putAllFilters(filters);
        if (deployment != null) {
            request.putFilters("deployment", deployment);
        }
        List<ContainerInfo> containers =
                blocking().listContainers(request.build()).getContainersList();
        if (quiet) {
            containers.forEach(c -> output.out().println(CliFormat.shortId(c.getId(), noTrunc)));
            output.out().flush();
            return ExitCode.OK;
        }
        if (!output.table()) {
            output.messages(containers);
            return ExitCode.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        for (ContainerInfo c : containers) {
            rows.add(
                    List.of(
                            CliFormat.shortId(c.getId(), noTrunc),
                            c.getName(),
                            c.getImage().isEmpty() ? "-" : c.getImage(),
                            output.state(c.getState()),
                            c.getStatus(),
                            output.state(c.getHealth().isEmpty() ? "-" : c.getHealth()),
                            c.getPortsList().isEmpty() ? "-" : String.join(",", c.getPortsList()),
                            ago(c.getCreated())));
        }
        output.table(
                List.of(
                        "CONTAINER ID",
                        "NAME",
                        "IMAGE",
                        "STATE",
                        "STATUS",
                        "HEALTH",
                        "PORTS",
                        "CREATED"),
                rows);
        return ExitCode.OK;
    }
}
