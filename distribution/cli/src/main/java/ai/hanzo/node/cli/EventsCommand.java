package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.GetEventsRequest;
import ai.hanzo.node.proto.v1.NodeEvent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hanzo-node events}: the node's events as they happen, until Ctrl-C. */
@Command(name = "events", description = "Stream the node's events (deployments, containers, node)")
final class EventsCommand extends ClientCommand {
    @Option(
            names = "--type",
            paramLabel = "<type>",
            description = "Only events of this type; repeatable")
    List<String> types = new ArrayList<>();

    @Option(
            names = {"-n", "--count"},
            paramLabel = "<n>",
            description = "Stop after n events")
    int count;

    EventsCommand(ClientContext context) {
        this.context = context;
    }

    @Override
    int run(Output output) throws Exception {
        Iterator<NodeEvent> events =
                streaming()
                        .getEvents(GetEventsRequest.newBuilder().addAllEventTypes(types).build());
        int seen = 0;
        while (events.hasNext() && (count <= 0 || seen < count)) {
            NodeEvent e = events.next();
            seen++;
            if (!output.table()) {
                output.streamed(e);
                continue;
            }
            StringBuilder line =
                    new StringBuilder()
                            .append(CliFormat.time(e.getTimestamp()))
                            .append(' ')
                            .append(e.getEventType())
                            .append(' ')
                            .append(e.getResourceType())
                            .append(' ')
                            .append(e.getResourceId());
            if (!e.getMessage().isEmpty()) {
                line.append(": ").append(e.getMessage());
            }
            Map<String, String> attributes = new TreeMap<>(e.getAttributesMap());
            if (!attributes.isEmpty()) {
                line.append(" ").append(attributes);
            }
            output.out().println(line);
            output.out().flush();
        }
        return ExitCode.OK;
    }
}
