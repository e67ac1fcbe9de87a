package ai.hanzo.node.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The entry point of {@code bin/hanzo-node}: resolves and checks the settings, prints help or the
 * version if asked, then starts Karaf in this JVM with the settings as system properties. A bad
 * setting ends the process with exit code 2 and one line that says what is wrong.
 */
public final class HanzoNodeLauncher {
    static final int USAGE_ERROR = 2;

    /** The system property that names the client commands' provider class. */
    static final String CLIENT_COMMANDS_PROPERTY = "hanzo.client.commands";

    private HanzoNodeLauncher() {}

    /**
     * @param args the command line
     * @throws Exception if Karaf fails to start
     */
    public static void main(String[] args) throws Exception {
        Path home = Path.of(System.getProperty("karaf.home", ".")).toAbsolutePath().normalize();
        Map<String, String> conf;
        try {
            conf = readConf(home.resolve("etc/hanzo-node.conf"));
        } catch (IOException e) {
            System.err.println("hanzo-node: cannot read etc/hanzo-node.conf: " + e.getMessage());
            System.exit(USAGE_ERROR);
            return;
        }
        PrintWriter out = new PrintWriter(System.out, true, Charset.defaultCharset());
        PrintWriter err = new PrintWriter(System.err, true, Charset.defaultCharset());
        // bin/hanzo-node starts client commands in a JVM without Karaf on its class path
        int code =
                Boolean.getBoolean("hanzo.client")
                        ? runClient(args, System.getenv(), conf, out, err)
                        : run(args, System.getenv(), conf, out, err, HanzoNodeLauncher::startNode);
        out.flush();
        err.flush();
        if (code != 0) {
            System.exit(code);
        }
    }

    /**
     * Runs a command line in a JVM that must not start the node (the client JVM, tests of client
     * commands): asking it to run the node is a usage error.
     *
     * @param args the command line
     * @param env the process environment
     * @param conf the settings of {@code etc/hanzo-node.conf}
     * @param out standard output
     * @param err standard error
     * @return the exit code
     * @throws Exception if a command fails in a way it does not report itself
     */
    public static int runClient(
            String[] args,
            Map<String, String> env,
            Map<String, String> conf,
            PrintWriter out,
            PrintWriter err)
            throws Exception {
        return run(
                args,
                env,
                conf,
                out,
                err,
                options -> {
                    err.println(
                            "hanzo-node: this JVM runs client commands only; start the node with"
                                    + " bin/hanzo-node and its flags first");
                    return USAGE_ERROR;
                });
    }

    /** Starts the node in this JVM; returns when it has stopped. */
    interface NodeStarter {
        /**
         * @param options the checked settings
         * @return the exit code
         * @throws Exception if Karaf fails to start
         */
        int start(NodeOptions options) throws Exception;
    }

    // the data dir client commands use when they are not given --data-dir; set by run()
    private static Path clientDefaultDataDirectory = Path.of("data");

    /**
     * Parses the command line and runs what it asks for: the node (no command), help, the version,
     * or a client command such as {@code keys}. A bad setting is exit code 2 with one line that
     * names it.
     *
     * @return the exit code
     */
    static int run(
            String[] args,
            Map<String, String> env,
            Map<String, String> conf,
            PrintWriter out,
            PrintWriter err,
            NodeStarter starter)
            throws Exception {
        ClientContext context = new ClientContext();
        List<Object> commands = new ArrayList<>();
        commands.add(new KeysCommand());
        // the gRPC client commands: on the class path only in the client JVM (lib/cli); told the
        // command first, so that their head start overlaps with building the command line
        for (ClientCommands provider : clientCommandProviders()) {
            if (args.length > 0) {
                provider.starting(args[0]);
            }
            commands.addAll(provider.commands(context));
        }
        Callable<Integer> runNode = () -> 0;
        CommandLine commandLine = new CommandLine(NodeOptions.rootSpec(runNode));
        // picocli reads every registered command's annotations by reflection, a large share of a
        // client command's start-up: register only the one named, unless the whole tree is needed
        // (help, completion, an unknown word that picocli must report)
        Object named = args.length > 0 ? named(commands, args[0]) : null;
        if (named != null && !args[0].equals("completion")) {
            commandLine.addSubcommand(built(named));
        } else if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            // the version needs no command
        } else {
            commands.forEach(command -> commandLine.addSubcommand(built(command)));
        }
        commandLine.getSubcommands().values().forEach(HanzoNodeLauncher::addHelpOption);
        commandLine.setOut(out).setErr(err);
        ParseResult result;
        try {
            result = commandLine.parseArgs(args);
        } catch (ParameterException e) {
            return usageError(err, NodeOptions.usageError(e).getMessage(), e.getCommandLine());
        }
        NodeOptions options;
        try {
            options = NodeOptions.resolve(result, env, conf, !result.hasSubcommand());
        } catch (UsageException e) {
            return usageError(err, e.getMessage(), commandLine);
        }
        if (options.action() == Flag.HELP) {
            printHelp(out, commandLine);
            return 0;
        }
        if (options.action() == Flag.VERSION) {
            out.println("hanzo-node " + version());
            return 0;
        }
        if (!result.hasSubcommand()) {
            return starter.start(options);
        }
        clientDefaultDataDirectory =
                Path.of("").toAbsolutePath().resolve(options.value(Flag.DATA_DIR)).normalize();
        context.set(
                clientDefaultDataDirectory,
                env,
                conf,
                result.hasMatchedOption(Flag.GRPC_ADDR.flag)
                        ? String.valueOf(result.matchedOptionValue(Flag.GRPC_ADDR.flag, ""))
                        : "");
        ParseResult leaf = result;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        CommandLine command = leaf.commandSpec().commandLine();
        if (command.isUsageHelpRequested() || leaf.expandedArgs().contains("--help")) {
            command.usage(out);
            return 0;
        }
        try {
            Object user = leaf.commandSpec().userObject();
            if (user instanceof Callable<?> callable) {
                Object code = callable.call();
                return code instanceof Integer i ? i : 0;
            }
            command.usage(err);
            return USAGE_ERROR;
        } catch (UsageException e) {
            return usageError(err, e.getMessage(), command);
        } catch (IOException e) {
            err.println("hanzo-node " + command.getCommandName() + ": " + e.getMessage());
            return 1;
        }
    }

    /**
     * The providers of client commands: the one {@code bin/hanzo-node} names in the system property
     * {@code hanzo.client.commands}, else those a ServiceLoader finds. A ServiceLoader looks for
     * its service file in every jar of the class path, opening each one, which a client command
     * pays on every run.
     *
     * @return the providers
     */
    static Iterable<ClientCommands> clientCommandProviders() {
        ClassLoader loader = HanzoNodeLauncher.class.getClassLoader();
        String named = System.getProperty(CLIENT_COMMANDS_PROPERTY, "").trim();
        if (!named.isEmpty()) {
            try {
                return List.of(
                        Class.forName(named, true, loader)
                                .asSubclass(ClientCommands.class)
                                .getConstructor()
                                .newInstance());
            } catch (ReflectiveOperationException | ClassCastException e) {
                // a class path without it (a test, a trimmed install): the service files decide
            }
        }
        return ServiceLoader.load(ClientCommands.class, loader);
    }

    /**
     * @return the command whose name or alias is {@code word}, or null
     */
    private static Object named(List<Object> commands, String word) {
        for (Object command : commands) {
            // commands with subcommands come as a tree, built when named
            if (command instanceof CommandTree tree) {
                if (tree.name().equals(word)) {
                    return command;
                }
                continue;
            }
            if (command instanceof CommandLine built) {
                if (built.getCommandName().equals(word)
                        || List.of(built.getCommandSpec().aliases()).contains(word)) {
                    return command;
                }
                continue;
            }
            Command annotation = command.getClass().getAnnotation(Command.class);
            if (annotation != null
                    && (annotation.name().equals(word)
                            || List.of(annotation.aliases()).contains(word))) {
                return command;
            }
        }
        return null;
    }

    /**
     * @return what picocli registers for a command object: a tree is built now
     */
    private static Object built(Object command) {
        return command instanceof CommandTree tree ? tree.build().get() : command;
    }

    /**
     * Gives a command and its subcommands {@code -h, --help} (picocli's usage-help option) where
     * they have none, so that {@code hanzo-node wallet --help} prints the usage instead of refusing
     * an unknown flag; a command's own {@code -h} keeps its meaning.
     */
    private static void addHelpOption(CommandLine command) {
        CommandSpec spec = command.getCommandSpec();
        if (spec.findOption("--help") == null) {
            OptionSpec.Builder help =
                    spec.findOption("-h") == null
                            ? OptionSpec.builder("-h", "--help")
                            : OptionSpec.builder("--help");
            spec.addOption(help.usageHelp(true).description("Show this help and exit").build());
        }
        command.getSubcommands().values().forEach(HanzoNodeLauncher::addHelpOption);
    }

    private static int usageError(PrintWriter err, String message, CommandLine where) {
        String command = where == null ? "hanzo-node" : where.getCommandSpec().qualifiedName();
        err.println(command + ": " + message);
        err.println("Run '" + command + " --help' for the list of flags.");
        return USAGE_ERROR;
    }

    /**
     * @param client the client command's options
     * @return its {@code --data-dir}, else the node's data directory setting
     */
    static Path clientDataDirectory(KeysCommand.ClientOptions client) {
        if (client.dataDirectory != null) {
            return client.dataDirectory.toAbsolutePath().normalize();
        }
        return clientDefaultDataDirectory;
    }

    private static int startNode(NodeOptions options) throws Exception {
        Map<String, String> properties = options.systemProperties(Path.of("").toAbsolutePath());
        Path data = Path.of(properties.get("hanzo.data.dir"));
        try {
            Files.createDirectories(data.resolve("tmp"));
            Files.createDirectories(data.resolve("log"));
        } catch (IOException e) {
            System.err.println(
                    "hanzo-node: cannot create the data directory "
                            + data
                            + ": "
                            + e.getMessage()
                            + " (set --data-dir / HANZO_DATA_DIR to a writable directory)");
            return USAGE_ERROR;
        }
        try {
            dataDirLock = lockDataDirectory(data);
        } catch (IOException e) {
            System.err.println(
                    "hanzo-node: cannot lock the data directory " + data + ": " + e.getMessage());
            return USAGE_ERROR;
        }
        if (dataDirLock == null) {
            System.err.println(
                    "hanzo-node: another node is already running with the data directory "
                            + data
                            + " (give this one its own --data-dir / HANZO_DATA_DIR)");
            return USAGE_ERROR;
        }
        properties.forEach(System::setProperty);
        System.setProperty("hanzo.version", version());
        // the data-dir lock above is the one that matters: Karaf's own lock sits in the shared home
        // and would make a second node of the same archive wait silently as an HA standby
        System.setProperty("karaf.lock", "false");
        org.apache.karaf.main.Main.main(new String[0]);
        return 0;
    }

    // held for the life of the process; the OS releases it when the process ends, however it ends
    private static FileLock dataDirLock;

    /**
     * @return the lock of {@code <data>/node.lock}, or null when another process holds it
     */
    static FileLock lockDataDirectory(Path data) throws IOException {
        FileChannel channel =
                FileChannel.open(
                        data.resolve("node.lock"),
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
            }
            return lock;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            channel.close();
            return null;
        }
    }

    static Map<String, String> readConf(Path file) throws IOException {
        Map<String, String> conf = new HashMap<>();
        if (Files.isRegularFile(file)) {
            Properties properties = new Properties();
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
            properties
                    .stringPropertyNames()
                    .forEach(name -> conf.put(name, properties.getProperty(name).trim()));
        }
        return conf;
    }

    static void printHelp(PrintWriter out, CommandLine commandLine) {
        out.println("hanzo-node " + version() + ": compute node of the Hanzo network");
        out.println();
        out.println("Usage: hanzo-node [flags]            runs the node");
        out.println("       hanzo-node <command> [options] runs a client command:");
        commandLine
                .getSubcommands()
                .forEach(
                        (name, sub) ->
                                out.printf(
                                        "  %-26s %s%n",
                                        name,
                                        String.join(
                                                " ",
                                                sub.getCommandSpec()
                                                        .usageMessage()
                                                        .description())));
        out.println("  ('hanzo-node <command> --help' for its options)");
        out.println();
        out.println(
                "Each setting comes from its flag, else its environment variable, else etc/hanzo-node.conf,");
        out.println("else the default.");
        out.println();
        for (Flag flag : Flag.values()) {
            String name =
                    (flag.shortFlag.isEmpty() ? "" : flag.shortFlag + ", ")
                            + flag.flag
                            + switch (flag.kind) {
                                case VALUE, REPEATABLE -> " <value>";
                                default -> "";
                            };
            out.printf("  %-26s %s%n", name, flag.description);
            StringBuilder detail = new StringBuilder();
            if (!flag.env.isEmpty()) {
                detail.append("env ").append(flag.env);
            }
            if (!flag.defaultValue.isEmpty() && flag.kind != Flag.Kind.SWITCH) {
                detail.append(detail.length() > 0 ? ", " : "")
                        .append("default ")
                        .append(flag.defaultValue);
            }
            if (detail.length() > 0) {
                out.printf("  %-26s (%s)%n", "", detail);
            }
        }
    }

    static String version() {
        try (InputStream in = HanzoNodeLauncher.class.getResourceAsStream("version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
