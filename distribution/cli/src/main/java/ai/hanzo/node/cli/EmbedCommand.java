package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.EmbedRequest;
import ai.hanzo.node.proto.v1.EmbedResponse;
import ai.hanzo.node.proto.v1.Embedding;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hanzo-node embed TEXT...}: embedding vectors from the node's model. */
@Command(
        name = "embed",
        description = "Embed texts (arguments, or one per line on stdin) with a model")
final class EmbedCommand extends ClientCommand {
    @Option(
            names = {"-m", "--model"},
            paramLabel = "<model>",
            description = "The model (default: the node's default embedding model)")
    String model = "";

    @Parameters(
            arity = "0..*",
            paramLabel = "<text>",
            description = "Texts to embed; none reads lines from stdin")
    List<String> texts = new ArrayList<>();

    EmbedCommand(ClientContext context) {
        this.context = context;
    }

    @Override
    int run(Output output) throws Exception {
        List<String> inputs = new ArrayList<>(texts);
        if (inputs.isEmpty()) {
            BufferedReader reader =
                    new BufferedReader(
                            new InputStreamReader(Terminal.stdin, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    inputs.add(line);
                }
            }
        }
        if (inputs.isEmpty()) {
            throw new CliException(
                    ExitCode.USAGE, "nothing to embed: give texts as arguments or lines on stdin");
        }
        EmbedResponse response =
                inference()
                        .embed(
                                EmbedRequest.newBuilder()
                                        .setModel(model)
                                        .addAllInputs(inputs)
                                        .build());
        if (!output.table()) {
            output.message(response);
            return ExitCode.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < response.getEmbeddingsCount(); i++) {
            Embedding e = response.getEmbeddings(i);
            StringBuilder head = new StringBuilder("[");
            for (int j = 0; j < Math.min(4, e.getValuesCount()); j++) {
                head.append(j > 0 ? ", " : "")
                        .append(String.format(Locale.ROOT, "%.4f", e.getValues(j)));
            }
            head.append(e.getValuesCount() > 4 ? ", ...]" : "]");
            String text = i < inputs.size() ? inputs.get(i) : "";
            rows.add(
                    List.of(
                            Integer.toString(i),
                            Integer.toString(e.getValuesCount()),
                            Integer.toString(e.getTokens())
                                    + (e.getTruncated() ? " (truncated)" : ""),
                            head.toString(),
                            text.length() > 40 ? text.substring(0, 37) + "..." : text));
        }
        output.table(List.of("#", "DIMS", "TOKENS", "VECTOR", "TEXT"), rows);
        output.out()
                .println(
                        "model "
                                + response.getModel()
                                + (response.hasTimings()
                                        ? ", " + response.getTimings().getTotalUs() / 1000.0 + " ms"
                                        : "")
                                + " (-o json for the full vectors)");
        output.out().flush();
        return ExitCode.OK;
    }
}
