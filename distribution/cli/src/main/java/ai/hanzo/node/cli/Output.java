package ai.hanzo.node.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * Prints results: aligned tables for people, JSON or YAML for scripts. JSON and YAML are the wire
 * messages with their proto field names, so scripts see the same names as the gRPC contract.
 * Colours only when asked for and stdout is a terminal.
 */
final class Output {
    // in a holder: a table never loads protobuf-java-util's JSON printer and its type registry
    private static final class Printers {
        static final JsonFormat.Printer JSON =
                JsonFormat.printer().preservingProtoFieldNames().alwaysPrintFieldsWithNoPresence();
        static final JsonFormat.Printer JSON_LINE = JSON.omittingInsignificantWhitespace();
    }

    private final PrintWriter out;
    private final OutputOptions.Format format;
    private final boolean colours;

    Output(PrintWriter out, OutputOptions.Format format, boolean colours) {
        this.out = out;
        this.format = format;
        this.colours = colours;
    }

    OutputOptions.Format format() {
        return format;
    }

    boolean table() {
        return format == OutputOptions.Format.TABLE;
    }

    PrintWriter out() {
        return out;
    }

    /** Prints one message as JSON or YAML. */
    void message(MessageOrBuilder message) {
        String json = json(message, Printers.JSON);
        if (format == OutputOptions.Format.YAML) {
            out.print(yaml(json));
        } else {
            out.println(json);
        }
        out.flush();
    }

    /** Prints messages as a JSON array or a YAML list. */
    void messages(List<? extends MessageOrBuilder> messages) {
        StringBuilder json = new StringBuilder("[");
        for (MessageOrBuilder message : messages) {
            json.append(json.length() > 1 ? ",\n" : "\n").append(json(message, Printers.JSON));
        }
        json.append(messages.isEmpty() ? "]" : "\n]");
        if (format == OutputOptions.Format.YAML) {
            out.print(messages.isEmpty() ? "[]\n" : yaml(json.toString()));
        } else {
            out.println(json);
        }
        out.flush();
    }

    /** Prints one message of a stream: a JSON line, or a YAML document. */
    void streamed(MessageOrBuilder message) {
        String json = json(message, Printers.JSON_LINE);
        if (format == OutputOptions.Format.YAML) {
            out.print("---\n" + yaml(json));
        } else {
            out.println(json);
        }
        out.flush();
    }

    private static String json(MessageOrBuilder message, JsonFormat.Printer printer) {
        try {
            return printer.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + message.getClass(), e);
        }
    }

    private static String yaml(String json) {
        Object tree = new Load(LoadSettings.builder().build()).loadFromString(json);
        return new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build())
                .dumpToString(tree);
    }

    /**
     * Prints rows aligned under their headers, two spaces apart; the last column is not padded.
     *
     * @param headers the column names
     * @param rows the cells, as many as headers per row
     */
    void table(List<String> headers, List<List<String>> rows) {
        int[] widths = new int[headers.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(headers);
        all.addAll(rows);
        for (List<String> row : all) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], visibleLength(row.get(i)));
            }
        }
        for (List<String> row : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                line.append(cell);
                if (i < row.size() - 1) {
                    line.append(" ".repeat(widths[i] - visibleLength(cell) + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    /**
     * @param state a deployment or container state, or a health
     * @return the state, coloured on a terminal: green for good, yellow for on the way, red for bad
     */
    String state(String state) {
        if (!colours) {
            return state;
        }
        String code =
                switch (state) {
                    case "running", "healthy", "ready", "READY", "HEALTHY", "SERVING" -> "32";
                    case "failed", "unhealthy", "exited", "dead", "UNHEALTHY", "STOPPED" -> "31";
                    case "", "-" -> "";
                    default -> "33";
                };
        return code.isEmpty() ? state : "\u001b[" + code + "m" + state + "\u001b[0m";
    }

    /**
     * @param text a label such as a service name
     * @param index which label it is, to pick a colour
     * @return the label, coloured on a terminal
     */
    String label(String text, int index) {
        if (!colours) {
            return text;
        }
        int[] palette = {36, 35, 34, 33, 32};
        return "\u001b[" + palette[Math.floorMod(index, palette.length)] + "m" + text + "\u001b[0m";
    }

    private static int visibleLength(String text) {
        return text.replaceAll("\u001b\\[[0-9;]*m", "").length();
    }
}
