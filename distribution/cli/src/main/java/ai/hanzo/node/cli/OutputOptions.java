package ai.hanzo.node.cli;

import java.util.Locale;
import picocli.CommandLine.Option;

/** How a client command prints its result. */
final class OutputOptions {
    @Option(
            names = {"-o", "--output"},
            paramLabel = "<format>",
            description = "table (default), json or yaml")
    String output;

    @Option(names = "--no-color", description = "No colours, even on a terminal")
    boolean noColor;

    /** The formats. */
    enum Format {
        TABLE,
        JSON,
        YAML
    }

    Format format(String configured) throws CliException {
        String wanted = output != null ? output : configured;
        if (wanted == null || wanted.isBlank()) {
            return Format.TABLE;
        }
        return switch (wanted.toLowerCase(Locale.ROOT)) {
            case "table", "text" -> Format.TABLE;
            case "json" -> Format.JSON;
            case "yaml", "yml" -> Format.YAML;
            default ->
                    throw new CliException(
                            ExitCode.USAGE,
                            "invalid --output '" + wanted + "': use table, json or yaml");
        };
    }
}
