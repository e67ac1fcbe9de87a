package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.ScaleRequest;
import ai.hanzo.node.proto.v1.ScaleResponse;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code hanzo-node scale DEPLOYMENT SERVICE=N...}. */
@Command(name = "scale", description = "Set the replica count of a deployment's services")
final class ScaleCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "<deployment>", description = "The deployment id")
    String deployment;

    @Parameters(
            index = "1..*",
            arity = "1..*",
            paramLabel = "<service=replicas>",
            description = "e.g. web=3")
    List<String> targets;

    ScaleCommand(ClientContext context) {
        this.context = context;
    }

    @Override
    int run(Output output) throws Exception {
        List<ScaleRequest> requests = new ArrayList<>();
        for (String target : targets) {
            int equals = target.indexOf('=');
            if (equals <= 0) {
                throw new CliException(
                        ExitCode.USAGE,
                        "invalid '" + target + "': expected service=replicas, e.g. web=3");
            }
            int replicas;
            try {
                replicas = Integer.parseInt(target.substring(equals + 1));
            } catch (NumberFormatException e) {
                replicas = -1;
            }
            if (replicas < 0) {
                throw new CliException(
                        ExitCode.USAGE,
                        "invalid '" + target + "': replicas must be a whole number, 0 or more");
            }
            requests.add(
                    ScaleRequest.newBuilder()
                            .setDeploymentId(deployment)
                            .setServiceName(target.substring(0, equals))
                            .setReplicas(replicas)
                            .build());
        }
        List<ScaleResponse> responses = new ArrayList<>();
        for (ScaleRequest request : requests) {
            ScaleResponse response = blocking().scale(request);
            if (!response.getSuccess()) {
                throw new CliException(
                        ExitCode.FAILED, request.getServiceName() + ": " + response.getMessage());
            }
            responses.add(response);
            if (output.table()) {
                output.out()
                        .println(
                                request.getServiceName()
                                        + ": "
                                        + response.getPreviousReplicas()
                                        + " -> "
                                        + response.getCurrentReplicas());
                output.out().flush();
            }
        }
        if (!output.table()) {
            output.messages(responses);
        }
        return ExitCode.OK;
    }
}
