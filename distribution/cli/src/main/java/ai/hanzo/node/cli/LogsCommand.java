package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.GetLogsRequest;
import ai.hanzo.node.proto.v1.LogEntry;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hanzo-node logs DEPLOYMENT [SERVICE]}: a deployment's logs, optionally followed. */
@Command(name = "logs", description = "Print a deployment's logs (-f to follow)")
final class LogsCommand extends ClientCommand {
    private static final Pattern RELATIVE = Pattern.compile("(\\d+)(s|m|h|d)");

    /**
     * Lines the node may put in one message (GetLogsRequest.max_lines_per_message); a node that
     * does not know the field sends one per message, which prints the same.
     */
    static final int LINES_PER_MESSAGE = 512;

    @Parameters(index = "0", paramLabel = "<deployment>", description = "The deployment id")
    String deployment;

    @Parameters(
            index = "1",
            arity = "0..1",
            paramLabel = "<service>",
            description = "Only this service")
    String service = "";

    @Option(
            names = {"-f", "--follow"},
            description = "Keep printing new lines until Ctrl-C")
    boolean follow;

    @Option(
            names = {"-n", "--tail"},
            paramLabel = "<lines>",
            description = "Only the last lines")
    int tail;

    @Option(
            names = "--since",
            paramLabel = "<when>",
            description =
                    "Only lines since a time: 10m, 2h, 1d, 2026-11-29T12:00:00Z or unix seconds")
    String since;

    @Option(
            names = {"-t", "--timestamps"},
            description = "Show each line's time")
    boolean timestamps;

    LogsCommand(ClientContext context) {
        this.context = context;
    }

    @Override
    int run(Output output) throws Exception {
        if (tail < 0) {
            throw new CliException(ExitCode.USAGE, "--tail must be 0 or more");
        }
        GetLogsRequest request =
                GetLogsRequest.newBuilder()
                        .setDeploymentId(deployment)
                        .setServiceName(service)
                        .setTail(tail)
                        .setFollow(follow)
                        .setSince(since == null ? 0 : sinceSeconds(since, Instant.now()))
                        .setMaxLinesPerMessage(LINES_PER_MESSAGE)
                        .build();
        Iterator<LogEntry> entries =
                follow ? streaming().getLogs(request) : blocking().getLogs(request);
        Map<String, Integer> colours = new HashMap<>();
        while (entries.hasNext()) {
            LogEntry message = entries.next();
            print(
                    output,
                    message.getMoreCount() == 0 ? message : message.toBuilder().clearMore().build(),
                    colours);
            for (LogEntry more : message.getMoreList()) {
                print(output, more, colours);
            }
            output.out().flush();
        }
        return ExitCode.OK;
    }

    // one line: as JSON, or with its service as a coloured prefix
    private void print(Output output, LogEntry entry, Map<String, Integer> colours) {
        if (!output.table()) {
            output.streamed(entry);
            return;
        }
        String prefix = entry.getService().isEmpty() ? "" : entry.getService();
        int colour = colours.computeIfAbsent(prefix, k -> colours.size());
        StringBuilder line = new StringBuilder();
        if (!prefix.isEmpty()) {
            line.append(output.label(prefix + " |", colour)).append(' ');
        }
        if (timestamps) {
            line.append(CliFormat.time(entry.getTimestamp())).append(' ');
        }
        String message = entry.getMessage();
        line.append(message.endsWith("\n") ? message.substring(0, message.length() - 1) : message);
        output.out().println(line);
    }

    /**
     * @param text 10m, 2h, 1d, an RFC 3339 time or unix seconds
     * @param now the present
     * @return unix seconds
     */
    static long sinceSeconds(String text, Instant now) throws CliException {
        Matcher relative = RELATIVE.matcher(text);
        if (relative.matches()) {
            long n = Long.parseLong(relative.group(1));
            long unit =
                    switch (relative.group(2)) {
                        case "s" -> 1;
                        case "m" -> 60;
                        case "h" -> 3600;
                        default -> 86400;
                    };
            return now.getEpochSecond() - n * unit;
        }
        if (text.matches("\\d+")) {
            return Long.parseLong(text);
        }
        try {
            return Instant.parse(text).getEpochSecond();
        } catch (DateTimeParseException e) {
            throw new CliException(
                    ExitCode.USAGE,
                    "invalid --since '"
                            + text
                            + "': use 10m, 2h, 1d, 2026-11-29T12:00:00Z or unix seconds");
        }
    }
}
