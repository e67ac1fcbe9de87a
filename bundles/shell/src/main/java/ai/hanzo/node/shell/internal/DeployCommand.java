package ai.hanzo.node.shell.internal;

import ai.hanzo.node.api.compute.DeploymentOptions;
import ai.hanzo.node.api.compute.DeploymentRequest;
import ai.hanzo.node.api.compute.DeploymentResult;
import ai.hanzo.node.api.compute.Orchestrator;
import ai.hanzo.node.cli.compose.ComposeException;
import ai.hanzo.node.cli.compose.ComposeFile;
import ai.hanzo.node.cli.compose.ComposeModel;
import ai.hanzo.node.cli.compose.ComposeParser;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/**
 * {@code hanzo:deploy -f compose.yml}: deploys a docker-compose file through the same parser as
 * {@code bin/hanzo-node deploy} (interpolation from the node's environment and the file's {@code
 * .env}); keys the node does not support are one error, and nothing is deployed.
 */
@Service
@Command(scope = "hanzo", name = "deploy", description = "Deploy a docker-compose file")
public final class DeployCommand extends NodeAction {
    @Reference Orchestrator orchestrator;

    @Option(name = "-f", aliases = "--file", required = true, description = "The compose file")
    String file;

    @Option(name = "-p", aliases = "--project-name", description = "The deployment's name")
    String projectName;

    @Option(name = "--id", description = "The deployment id (default: the node assigns one)")
    String id = "";

    @Option(name = "--label", multiValued = true, description = "A label key=value; repeatable")
    List<String> labels;

    @Argument(name = "unused", multiValued = true, description = "(none: the file comes with -f)")
    List<String> rest;

    @Override
    Object run() throws Exception {
        PrintStream out = session.getConsole();
        if (rest != null && !rest.isEmpty()) {
            throw new IllegalArgumentException(
                    "unexpected arguments " + rest + ": give the compose file with -f");
        }
        Path path = Path.of(file);
        if (!path.isAbsolute()) {
            // the shell has no working directory of its own: relative to the node's
            path = Path.of("").toAbsolutePath().resolve(path);
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("compose file " + path + " not found");
        }
        ComposeFile compose;
        try {
            compose = new ComposeParser(System.getenv()).parse(path, projectName);
        } catch (ComposeException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        for (String warning : compose.warnings()) {
            out.println("warning: " + warning);
        }
        Map<String, String> labelMap = new LinkedHashMap<>();
        if (labels != null) {
            for (String label : labels) {
                int eq = label.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException(
                            "--label '" + label + "': expected key=value");
                }
                labelMap.put(label.substring(0, eq), label.substring(eq + 1));
            }
        }
        DeploymentResult result =
                orchestrator.deploy(
                        new DeploymentRequest(
                                id,
                                compose.projectName(),
                                ComposeModel.fromWire(compose.spec()),
                                Map.of(),
                                new DeploymentOptions("", "", labelMap, Optional.empty())));
        out.println("Deployed " + compose.projectName() + " as " + result.deploymentId());
        for (String endpoint : result.endpoints()) {
            out.println("  " + endpoint);
        }
        return null;
    }
}
