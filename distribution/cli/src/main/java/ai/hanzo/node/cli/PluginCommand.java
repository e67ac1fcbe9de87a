package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.InstallPluginRequest;
import ai.hanzo.node.proto.v1.ListPluginsRequest;
import ai.hanzo.node.proto.v1.ListPluginsResponse;
import ai.hanzo.node.proto.v1.PluginServiceGrpc;
import ai.hanzo.node.proto.v1.PluginStatus;
import ai.hanzo.node.proto.v1.UninstallPluginRequest;
import ai.hanzo.node.proto.v1.UninstallPluginResponse;
import ai.hanzo.node.proto.v1.UpdatePluginRequest;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hanzo-node plugin list|install|update|uninstall}: the node's plugins through its gRPC
 * PluginService. A file (a plugin jar, a KAR, or a features XML the node wraps into a KAR) is read
 * here and sent; {@code mvn:} locations are resolved by the node.
 */
@Command(
        name = "plugin",
        description = {
            "Plugins of the running node:",
            "  plugin list",
            "  plugin install <file.jar|file.kar|features.xml|mvn:group/artifact/version[/kar]>",
            "  plugin update <name> <file.jar|file.kar|features.xml>",
            "  plugin uninstall <name>"
        })
final class PluginCommand extends ClientCommand {
    // the server's default inbound message limit is 4 MiB; larger jars go by mvn: location
    private static final long MAX_SENT_BYTES = 4L * 1024 * 1024 - 64 * 1024;

    @Parameters(
            index = "0",
            paramLabel = "<action>",
            description = "list, install, update or uninstall")
    String action;

    @Parameters(index = "1..*", paramLabel = "<args>", description = "What the action takes")
    List<String> args = new ArrayList<>();

    @Option(
            names = "--wait",
            paramLabel = "<seconds>",
            description = "How long the node waits for the plugin to settle (default 30)")
    int waitSeconds = 30;

    PluginCommand(ClientContext context) {
        this.context = context;
    }

    @Override
    int run(Output output) throws Exception {
        return switch (action) {
            case "list", "ls" -> list(output);
            case "install" ->
                    install(output, arg(0, "install <file.jar|file.kar|features.xml|mvn:...>", 1));
            case "update" -> update(output, arg(0, "update <name> <file.jar>", 2), args.get(1));
            case "uninstall", "rm" -> uninstall(output, arg(0, "uninstall <name>", 1));
            default ->
                    throw new CliException(
                            ExitCode.USAGE,
                            "unknown action '" + action + "': list, install, update or uninstall");
        };
    }

    private String arg(int index, String usage, int count) throws CliException {
        if (args.size() != count) {
            throw new CliException(ExitCode.USAGE, "usage: plugin " + usage);
        }
        return args.get(index);
    }

    private PluginServiceGrpc.PluginServiceBlockingStub plugins() {
        // installing waits for the plugin to settle on the node: give it that long and a margin
        return PluginServiceGrpc.newBlockingStub(node.channel())
                .withDeadlineAfter(
                        Math.max(node.timeoutSeconds(), waitSeconds + 15L), TimeUnit.SECONDS);
    }

    private int list(Output output) throws CliException {
        if (!args.isEmpty()) {
            throw new CliException(ExitCode.USAGE, "usage: plugin list");
        }
        ListPluginsResponse response =
                plugins().listPlugins(ListPluginsRequest.getDefaultInstance());
        if (!output.table()) {
            output.message(response);
            return ExitCode.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        for (PluginStatus p : response.getPluginsList()) {
            rows.add(row(output, p));
        }
        output.table(HEADERS, rows);
        return ExitCode.OK;
    }

    private static final List<String> HEADERS =
            List.of("NAME", "VERSION", "KIND", "STATE", "PROVIDES", "SINCE", "REASON");

    private static List<String> row(Output output, PluginStatus p) {
        return List.of(
                p.getName(),
                p.getVersion(),
                p.getKind(),
                output.state(p.getState()),
                p.getProvidesCount() == 0 ? "-" : String.join(",", p.getProvidesList()),
                Instant.ofEpochSecond(p.getSince()).toString(),
                p.getReason());
    }

    private int install(Output output, String source) throws IOException, CliException {
        InstallPluginRequest.Builder request =
                InstallPluginRequest.newBuilder().setWaitSeconds(waitSeconds);
        if (source.startsWith("mvn:")) {
            request.setLocation(source);
        } else {
            Path file = Path.of(source);
            request.setJar(read(file)).setFileName(file.getFileName().toString());
        }
        return settled(output, plugins().installPlugin(request.build()), "Installed");
    }

    private int update(Output output, String name, String source) throws IOException, CliException {
        if (source.startsWith("mvn:")) {
            throw new CliException(ExitCode.USAGE, "update takes a jar file, not a location");
        }
        PluginStatus status =
                plugins()
                        .updatePlugin(
                                UpdatePluginRequest.newBuilder()
                                        .setName(name)
                                        .setJar(read(Path.of(source)))
                                        .setWaitSeconds(waitSeconds)
                                        .build());
        return settled(output, status, "Updated");
    }

    private static ByteString read(Path file) throws IOException, CliException {
        if (!Files.isRegularFile(file)) {
            throw new CliException(ExitCode.USAGE, file + ": no such file");
        }
        if (Files.size(file) > MAX_SENT_BYTES) {
            throw new CliException(
                    ExitCode.USAGE,
                    file
                            + " is larger than 4 MiB, more than one request may carry: publish it"
                            + " to a Maven repository the node uses and install mvn:...");
        }
        return ByteString.copyFrom(Files.readAllBytes(file));
    }

    /** Prints the plugin; a plugin that failed or is unavailable makes the command fail. */
    private static int settled(Output output, PluginStatus status, String verb) {
        if (output.table()) {
            output.out()
                    .println(
                            verb
                                    + " plugin "
                                    + status.getName()
                                    + " "
                                    + status.getVersion()
                                    + ": "
                                    + status.getState()
                                    + (status.getProvidesCount() == 0
                                            ? ""
                                            : " ("
                                                    + String.join(", ", status.getProvidesList())
                                                    + ")")
                                    + (status.getReason().isEmpty()
                                            ? ""
                                            : ": " + status.getReason()));
            output.out().flush();
        } else {
            output.message(status);
        }
        return status.getState().equals("active") ? ExitCode.OK : ExitCode.FAILED;
    }

    private int uninstall(Output output, String name) {
        UninstallPluginResponse response =
                plugins()
                        .uninstallPlugin(
                                UninstallPluginRequest.newBuilder()
                                        .setName(name)
                                        .setWaitSeconds(waitSeconds)
                                        .build());
        if (output.table()) {
            output.out().println("Uninstalled plugin " + name);
            output.out().flush();
        } else {
            output.message(response);
        }
        return ExitCode.OK;
    }
}
