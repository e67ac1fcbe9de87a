package ai.hanzo.node.launcher;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hanzo-node keys create|list|revoke}: manages the API keys of a node's data directory.
 * Works whether the node runs or not: it edits {@code <data-dir>/api-keys}, which a running node
 * reloads within a second.
 */
@Command(
        name = "keys",
        description = "Create, list and revoke API keys (works with the node running or not)",
        subcommands = {
            KeysCommand.Create.class,
            KeysCommand.ListKeys.class,
            KeysCommand.Revoke.class
        })
final class KeysCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return HanzoNodeLauncher.USAGE_ERROR;
    }

    /** Options every client command shares. */
    static final class ClientOptions {
        @Option(
                names = "--data-dir",
                paramLabel = "<dir>",
                description =
                        "The node's data directory (default: --data-dir / HANZO_DATA_DIR of the"
                                + " node, else ./data)")
        Path dataDirectory;

        @Option(
                names = "--output",
                paramLabel = "<format>",
                description = "text (default) or json",
                defaultValue = "text")
        String output;

        boolean json() throws UsageException {
            String format = output.toLowerCase(Locale.ROOT);
            if (!format.equals("text") && !format.equals("json")) {
                throw new UsageException("invalid --output '" + output + "': use text or json");
            }
            return format.equals("json");
        }
    }

    /** {@code keys create --role R [--name N]}. */
    @Command(name = "create", description = "Create a key; it is printed once, never stored")
    static final class Create implements Callable<Integer> {
        @Spec CommandSpec spec;
        @picocli.CommandLine.Mixin ClientOptions client = new ClientOptions();

        @Option(
                names = "--role",
                required = true,
                paramLabel = "<role>",
                description = "viewer, operator, admin or node")
        String role;

        @Option(names = "--name", paramLabel = "<name>", description = "A label for listings")
        String name = "";

        @Override
        public Integer call() throws Exception {
            boolean json = client.json();
            String wanted = role.toLowerCase(Locale.ROOT);
            if (!ApiKeyFile.ROLES.contains(wanted)) {
                throw new UsageException(
                        "invalid --role '" + role + "': use viewer, operator, admin or node");
            }
            ApiKeyFile file = new ApiKeyFile(HanzoNodeLauncher.clientDataDirectory(client));
            ApiKeyFile.Created created = file.create(wanted, name);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(
                        "{\"id\":"
                                + Json.string(created.entry().id())
                                + ",\"role\":"
                                + Json.string(wanted)
                                + ",\"name\":"
                                + Json.string(created.entry().name())
                                + ",\"created\":"
                                + Json.string(created.entry().created().toString())
                                + ",\"key\":"
                                + Json.string(created.key())
                                + "}");
            } else {
                out.println(created.key());
                spec.commandLine()
                        .getErr()
                        .println(
                                "Created key "
                                        + created.entry().id()
                                        + " with role "
                                        + wanted
                                        + " in "
                                        + file.file()
                                        + ". It is shown only now: store it safely.");
            }
            out.flush();
            return 0;
        }
    }

    /** {@code keys list}. */
    @Command(name = "list", description = "List the keys (ids and roles, never the keys)")
    static final class ListKeys implements Callable<Integer> {
        @Spec CommandSpec spec;
        @picocli.CommandLine.Mixin ClientOptions client = new ClientOptions();

        @Override
        public Integer call() throws Exception {
            boolean json = client.json();
            List<ApiKeyFile.Entry> entries =
                    new ApiKeyFile(HanzoNodeLauncher.clientDataDirectory(client)).list();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                StringBuilder array = new StringBuilder("[");
                for (ApiKeyFile.Entry e : entries) {
                    array.append(array.length() > 1 ? "," : "")
                            .append("{\"id\":")
                            .append(Json.string(e.id()))
                            .append(",\"role\":")
                            .append(Json.string(e.role()))
                            .append(",\"name\":")
                            .append(Json.string(e.name()))
                            .append(",\"created\":")
                            .append(
                                    e.created() == null
                                            ? "null"
                                            : Json.string(e.created().toString()))
                            .append('}');
                }
                out.println(array.append(']'));
            } else {
                out.printf("%-12s  %-8s  %-20s  %s%n", "ID", "ROLE", "CREATED", "NAME");
                for (ApiKeyFile.Entry e : entries) {
                    out.printf(
                            "%-12s  %-8s  %-20s  %s%n",
                            e.id(),
                            e.role(),
                            e.created() == null ? "-" : e.created().toString(),
                            e.name());
                }
            }
            out.flush();
            return 0;
        }
    }

    /** {@code keys revoke ID}. */
    @Command(
            name = "revoke",
            description = "Revoke a key by its id; a running node refuses it within a second")
    static final class Revoke implements Callable<Integer> {
        @Spec CommandSpec spec;
        @picocli.CommandLine.Mixin ClientOptions client = new ClientOptions();

        @Parameters(paramLabel = "<id>", description = "The key's id, as 'keys list' shows it")
        String id;

        @Override
        public Integer call() throws Exception {
            boolean json = client.json();
            ApiKeyFile.Entry revoked;
            try {
                revoked = new ApiKeyFile(HanzoNodeLauncher.clientDataDirectory(client)).revoke(id);
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("hanzo-node keys revoke: " + e.getMessage());
                return 1;
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(
                        "{\"revoked\":"
                                + Json.string(revoked.id())
                                + ",\"role\":"
                                + Json.string(revoked.role())
                                + "}");
            } else {
                out.println("Revoked key " + revoked.id() + " (" + revoked.role() + ")");
            }
            out.flush();
            return 0;
        }
    }
}
