package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.StopRequest;
import ai.hanzo.node.proto.v1.StopResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hanzo-node stop DEPLOYMENT...}. */
@Command(name = "stop", description = "Stop deployments (their containers stop; the spec stays)")
final class StopCommand extends ClientCommand {
    @Option(
            names = "--force",
            description = "Kill at once instead of the stop signal and grace period")
    boolean force;

    @Parameters(arity = "1..*", paramLabel = "<deployment>", description = "Deployment ids")
    List<String> deployments;

    StopCommand(ClientContext context) {
        this.context = context;
    }

    @Override
    int run(Output output) throws Exception {
        List<StopResponse> responses = new ArrayList<>();
        for (String id : deployments) {
            StopResponse response =
                    blocking()
                            .withDeadlineAfter(
                                    Math.max(node.timeoutSeconds(), 120), TimeUnit.SECONDS)
                            .stop(
                                    StopRequest.newBuilder()
                                            .setDeploymentId(id)
                                            .setForce(force)
                                            .build());
            if (!response.getSuccess()) {
                throw new CliException(ExitCode.FAILED, id + ": " + response.getMessage());
            }
            responses.add(response);
            if (output.table()) {
                output.out().println("Stopped " + id);
                output.out().flush();
            }
        }
        if (!output.table()) {
            output.messages(responses);
        }
        return ExitCode.OK;
    }
}
