package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.EngineInfo;
import ai.hanzo.node.proto.v1.ListModelsRequest;
import ai.hanzo.node.proto.v1.ListModelsResponse;
import ai.hanzo.node.proto.v1.ModelInfo;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code hanzo-node models}: the models the node serves and its inference engines. */
@Command(name = "models", description = "List the models the node serves, and its engines")
final class ModelsCommand extends ClientCommand {
    ModelsCommand(ClientContext context) {
        this.context = context;
    }

    @Override
    int run(Output output) throws Exception {
        ListModelsResponse response =
                inference().listModels(ListModelsRequest.getDefaultInstance());
        if (!output.table()) {
            output.message(response);
            return ExitCode.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        for (ModelInfo m : response.getModelsList()) {
            rows.add(
                    List.of(
                            m.getId(),
                            output.state(m.getState()),
                            m.getEngine(),
                            m.getDevice(),
                            m.getFormat().isEmpty() ? "-" : m.getFormat(),
                            m.getDimensions() == 0 ? "-" : Integer.toString(m.getDimensions()),
                            m.getMaxTokens() == 0 ? "-" : Integer.toString(m.getMaxTokens()),
                            m.getError()));
        }
        output.table(
                List.of(
                        "MODEL",
                        "STATE",
                        "ENGINE",
                        "DEVICE",
                        "FORMAT",
                        "DIMS",
                        "MAX TOKENS",
                        "ERROR"),
                rows);
        output.out().println();
        List<List<String>> engines = new ArrayList<>();
        for (EngineInfo e : response.getEnginesList()) {
            engines.add(
                    List.of(
                            e.getName(),
                            e.getAvailable() ? output.state("ready") : output.state("failed"),
                            String.join(",", e.getDevicesList()),
                            String.join(",", e.getFormatsList()),
                            e.getReason()));
        }
        output.table(List.of("ENGINE", "AVAILABLE", "DEVICES", "FORMATS", "REASON"), engines);
        return ExitCode.OK;
    }
}
