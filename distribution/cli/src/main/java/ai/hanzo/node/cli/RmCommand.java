package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.RemoveRequest;
import ai.hanzo.node.proto.v1.RemoveResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hanzo-node rm DEPLOYMENT...}. */
@Command(name = "rm", description = "Remove deployments and their containers")
final class RmCommand extends ClientCommand {
    @Option(
            names = {"-v", "--volumes"},
            description = "Remove their named volumes too")
    boolean volumes;

    @Parameters(arity = "1..*", paramLabel = "<deployment>", description = "Deployment ids")
    List<String> deployments;

    RmCommand(ClientContext context) {
        this.context = context;
    }

    @Override
    int run(Output output) throws Exception {
        List<RemoveResponse> responses = new ArrayList<>();
        for (String id : deployments) {
            RemoveResponse response =
                    blocking()
                            .withDeadlineAfter(
                                    Math.max(node.timeoutSeconds(), 120), TimeUnit.SECONDS)
                            .remove(
                                    RemoveRequest.newBuilder()
                                            .setDeploymentId(id)
                                            .setRemoveVolumes(volumes)
                                            .build());
            if (!response.getSuccess()) {
                throw new CliException(ExitCode.FAILED, id + ": " + response.getMessage());
            }
            responses.add(response);
            if (output.table()) {
                output.out().println("Removed " + id);
                output.out().flush();
            }
        }
        if (!output.table()) {
            output.messages(responses);
        }
        return ExitCode.OK;
    }
}
