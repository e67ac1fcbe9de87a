package ai.hanzo.node.cli.compose;

import ai.hanzo.node.proto.v1.ComposeSpec;
import java.util.List;

/**
 * A parsed compose file, ready to send as a {@code DeployRequest}.
 *
 * @param spec the services, networks and volumes with every variable substituted
 * @param projectName the deployment's name: the file's top-level {@code name}, else the name given
 *     on the command line, else the name of the file's directory
 * @param warnings keys the node accepts but that change nothing here, one line each
 */
public record ComposeFile(ComposeSpec spec, String projectName, List<String> warnings) {
    /** Copies the warnings so the value is immutable. */
    public ComposeFile {
        warnings = List.copyOf(warnings);
    }
}
