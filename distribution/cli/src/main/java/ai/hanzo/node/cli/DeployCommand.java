package ai.hanzo.node.cli;

import ai.hanzo.node.cli.compose.ComposeException;
import ai.hanzo.node.cli.compose.ComposeFile;
import ai.hanzo.node.cli.compose.ComposeParser;
import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.DeployRequest;
import ai.hanzo.node.proto.v1.DeployResponse;
import ai.hanzo.node.proto.v1.DeploymentOptions;
import ai.hanzo.node.proto.v1.DeploymentStatus;
import ai.hanzo.node.proto.v1.GetStatusRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hanzo-node deploy -f compose.yml}: parses a docker-compose file (with its {@code .env}),
 * prints what the node will ignore, and sends it as one deployment.
 */
@Command(
        name = "deploy",
        description = "Deploy a docker-compose file (variables from the environment and .env)")
final class DeployCommand extends ClientCommand {
    @Option(
            names = {"-f", "--file"},
            required = true,
            paramLabel = "<compose.yml>",
            description =
                    "The compose file, or - for standard input; repeat to merge files as docker"
                            + " compose does (later files override earlier ones)")
    List<String> files;

    @Option(
            names = {"-p", "--project-name"},
            paramLabel = "<name>",
            description = "The deployment's name (default: the file's name:, else its directory)")
    String projectName;

    @Option(
            names = "--id",
            paramLabel = "<id>",
            description = "The deployment id (default: the node assigns one)")
    String id = "";

    @Option(
            names = "--label",
            paramLabel = "<key=value>",
            description = "A label on the deployment; repeatable")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--dry-run", description = "Parse and print the deployment; send nothing")
    boolean dryRun;

    @Option(
            names = "--wait",
            description = "Wait until every replica is ready (or the deployment failed)")
    boolean await;

    @Option(
            names = "--wait-timeout",
            paramLabel = "<seconds>",
            defaultValue = "300",
            description = "How long --wait waits (default: ${DEFAULT-VALUE})")
    long waitSeconds;

    DeployCommand(ClientContext context) {
        this.context = context;
    }

    @Override
    boolean needsNode() {
        return !dryRun;
    }

    @Override
    int run(Output output) throws Exception {
        ComposeFile compose = parse();
        for (String warning : compose.warnings()) {
            err().println("warning: " + warning);
        }
        err().flush();
        DeployRequest request =
                DeployRequest.newBuilder()
                        .setDeploymentId(id)
                        .setName(compose.projectName())
                        .setSpec(compose.spec())
                        .setOptions(DeploymentOptions.newBuilder().putAllLabels(labels))
                        .build();
        if (dryRun) {
            if (output.table()) {
                output = new Output(output.out(), OutputOptions.Format.YAML, false);
            }
            output.message(request);
            return ExitCode.OK;
        }
        DeployResponse response =
                blocking()
                        .withDeadlineAfter(Math.max(node.timeoutSeconds(), 60), TimeUnit.SECONDS)
                        .deploy(request);
        if (!response.getSuccess()) {
            throw new CliException(
                    ExitCode.FAILED,
                    "the node did not deploy "
                            + compose.projectName()
                            + ": "
                            + response.getMessage());
        }
        if (!output.table()) {
            output.message(response);
        } else {
            output.out()
                    .println(
                            "Deployed "
                                    + compose.projectName()
                                    + " as "
                                    + response.getDeploymentId());
            for (String endpoint : response.getEndpointsList()) {
                output.out().println("  " + endpoint);
            }
            output.out().flush();
        }
        return await ? waitUntilReady(response.getDeploymentId(), output) : ExitCode.OK;
    }

    private ComposeFile parse() throws CliException, IOException {
        ComposeParser parser = new ComposeParser(context.env());
        try {
            if (files.size() > 1) {
                List<Path> paths = new ArrayList<>();
                for (String file : files) {
                    Path path = Path.of(file);
                    if (file.equals("-") || !java.nio.file.Files.isRegularFile(path)) {
                        throw new CliException(
                                ExitCode.USAGE,
                                file.equals("-")
                                        ? "-f - (standard input) cannot be merged with other files"
                                        : "compose file " + path + " not found");
                    }
                    paths.add(path);
                }
                return parser.parse(paths, projectName);
            }
            String file = files.get(0);
            if (file.equals("-")) {
                String text = new String(Terminal.stdin.readAllBytes(), StandardCharsets.UTF_8);
                Path cwd = Path.of("").toAbsolutePath();
                String name = projectName != null ? projectName : String.valueOf(cwd.getFileName());
                return parser.parse(text, "stdin", cwd, name);
            }
            Path path = Path.of(file);
            if (!java.nio.file.Files.isRegularFile(path)) {
                throw new CliException(ExitCode.USAGE, "compose file " + path + " not found");
            }
            return parser.parse(path, projectName);
        } catch (ComposeException e) {
            throw new CliException(ExitCode.USAGE, e.getMessage());
        }
    }

    private int waitUntilReady(String deploymentId, Output output) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
        Progress progress = new Progress(err(), Terminal.colours(context.env()));
        while (true) {
            DeploymentStatus status =
                    blocking()
                            .getStatus(GetStatusRequest.getDefaultInstance())
                            .getDeploymentsList()
                            .stream()
                            .filter(d -> d.getDeploymentId().equals(deploymentId))
                            .findFirst()
                            .orElseThrow(
                                    () ->
                                            new CliException(
                                                    ExitCode.NOT_FOUND,
                                                    "deployment " + deploymentId + " is gone"));
            progress.show(
                    "replicas ready",
                    status.getReadyReplicas(),
                    status.getReplicas(),
                    status.getStatus());
            if (status.getStatus().equals("failed")) {
                progress.done();
                throw new CliException(
                        ExitCode.FAILED,
                        "deployment " + deploymentId + " failed: " + status.getMessage());
            }
            if (status.getReplicas() > 0 && status.getReadyReplicas() >= status.getReplicas()) {
                progress.done();
                return ExitCode.OK;
            }
            if (System.nanoTime() > deadline) {
                progress.done();
                throw new CliException(
                        ExitCode.FAILED,
                        "deployment "
                                + deploymentId
                                + " has "
                                + status.getReadyReplicas()
                                + "/"
                                + status.getReplicas()
                                + " replicas ready after "
                                + waitSeconds
                                + " s ("
                                + status.getStatus()
                                + ")");
            }
            // polling the status is what a client without an event subscription can do
            TimeUnit.MILLISECONDS.sleep(500);
        }
    }
}
