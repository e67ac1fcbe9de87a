package ai.hanzo.node.launcher;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The node's start-up settings, resolved as: flag, else {@code HANZO_*} environment variable, else
 * {@code etc/hanzo-node.conf}, else the built-in default, and checked before anything starts.
 */
final class NodeOptions {
    private static final Pattern EVM_ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Set<String> LOG_LEVELS = Set.of("error", "warn", "info", "debug", "trace");
    private static final Set<String> TRUE = Set.of("true", "1", "yes", "on");
    private static final Set<String> FALSE = Set.of("false", "0", "no", "off", "");

    private final Map<Flag, List<String>> values;
    private final Flag action;

    private NodeOptions(Map<Flag, List<String>> values, Flag action) {
        this.values = values;
        this.action = action;
    }

    /**
     * @param args the command line
     * @param env the process environment
     * @param conf settings from {@code etc/hanzo-node.conf}, keyed by env var name
     * @return the resolved options
     * @throws UsageException if a flag is unknown, lacks its value, or a value is invalid
     */
    static NodeOptions parse(List<String> args, Map<String, String> env, Map<String, String> conf)
            throws UsageException {
        CommandLine commandLine = new CommandLine(rootSpec(() -> 0));
        ParseResult result;
        try {
            result = commandLine.parseArgs(args.toArray(String[]::new));
        } catch (ParameterException e) {
            throw usageError(e);
        }
        if (result.hasSubcommand()) {
            throw new UsageException(
                    "unexpected argument '" + result.subcommand().originalArgs().get(0) + "'");
        }
        return resolve(result, env, conf, true);
    }

    /**
     * @param run what the command does when no subcommand is given (start the node)
     * @return the root command {@code hanzo-node}: one option per {@link Flag}, values as strings
     *     so that {@link #resolve} checks them with messages that name the setting
     */
    static CommandSpec rootSpec(Callable<Integer> run) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(run).name("hanzo-node");
        spec.parser().overwrittenOptionsAllowed(true);
        for (Flag flag : Flag.values()) {
            OptionSpec.Builder option =
                    (flag.shortFlag.isEmpty()
                                    ? OptionSpec.builder(flag.flag)
                                    : OptionSpec.builder(flag.flag, flag.shortFlag))
                            .paramLabel("<value>")
                            .description(flag.description);
            switch (flag.kind) {
                case VALUE -> option.arity("1").type(String.class);
                case REPEATABLE -> option.arity("1").type(List.class).auxiliaryTypes(String.class);
                case SWITCH -> option.arity("0..1").type(String.class).fallbackValue("true");
                case ACTION -> option.arity("0").type(boolean.class);
            }
            spec.addOption(option.build());
        }
        return spec;
    }

    /**
     * @param e what picocli refused
     * @return the same refusal in the launcher's words, naming the flag
     */
    static UsageException usageError(ParameterException e) {
        if (e instanceof UnmatchedArgumentException unmatched
                && !unmatched.getUnmatched().isEmpty()) {
            String arg = unmatched.getUnmatched().get(0);
            int equals = arg.indexOf('=');
            String name = arg.startsWith("--") && equals > 0 ? arg.substring(0, equals) : arg;
            return new UsageException(
                    arg.startsWith("-")
                            ? "unknown flag " + name
                            : "unexpected argument '" + arg + "' (flags start with --)");
        }
        if (e instanceof MissingParameterException missing
                && missing.getMissing() != null
                && !missing.getMissing().isEmpty()
                && missing.getMissing().get(0) instanceof OptionSpec option) {
            return new UsageException(option.longestName() + " needs a value");
        }
        if (e.getArgSpec() instanceof OptionSpec option && e.getMessage().contains("Expected")) {
            return new UsageException(option.longestName() + " needs a value");
        }
        return new UsageException(e.getMessage());
    }

    /**
     * @param result the parsed command line
     * @param env the process environment
     * @param conf settings from {@code etc/hanzo-node.conf}, keyed by env var name
     * @param validate whether to check every setting (to start the node) or only resolve them (for
     *     client commands, which need only the data directory)
     * @return the resolved options
     * @throws UsageException if a value is invalid
     */
    static NodeOptions resolve(
            ParseResult result, Map<String, String> env, Map<String, String> conf, boolean validate)
            throws UsageException {
        Map<Flag, List<String>> fromFlags = new EnumMap<>(Flag.class);
        Flag action = null;
        for (Flag flag : Flag.values()) {
            if (!result.hasMatchedOption(flag.flag)) {
                continue;
            }
            Object value = result.matchedOptionValue(flag.flag, null);
            switch (flag.kind) {
                case ACTION -> action = action == null ? flag : action;
                case REPEATABLE -> {
                    List<String> values = new ArrayList<>();
                    if (value instanceof List<?> list) {
                        list.forEach(item -> values.add(String.valueOf(item)));
                    }
                    fromFlags.put(flag, values);
                }
                default -> fromFlags.put(flag, List.of(value == null ? "" : value.toString()));
            }
        }
        Map<Flag, List<String>> resolved = new EnumMap<>(Flag.class);
        for (Flag flag : Flag.values()) {
            if (flag.kind == Flag.Kind.ACTION) {
                continue;
            }
            List<String> value = fromFlags.get(flag);
            if (value == null) {
                String text =
                        firstNonBlank(env.get(flag.env), conf.get(flag.env), flag.defaultValue);
                value = flag.kind == Flag.Kind.REPEATABLE ? splitList(text) : List.of(text.trim());
            }
            resolved.put(flag, value);
        }
        NodeOptions options = new NodeOptions(resolved, action);
        if (action == null && validate) {
            options.validate();
        }
        return options;
    }

    private void validate() throws UsageException {
        String nodeId = value(Flag.NODE_ID);
        if (!nodeId.isEmpty() && !NODE_ID.matcher(nodeId).matches()) {
            throw new UsageException(
                    "invalid "
                            + describe(Flag.NODE_ID)
                            + " '"
                            + nodeId
                            + "': use 1-128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit");
        }
        checkHostPort(Flag.GRPC_ADDR);
        checkHostPort(Flag.HTTP_ADDR);
        checkMultiaddr(Flag.P2P_ADDR, value(Flag.P2P_ADDR));
        for (String peer : list(Flag.BOOTSTRAP)) {
            checkMultiaddr(Flag.BOOTSTRAP, peer);
        }
        String operator = value(Flag.OPERATOR);
        if (!operator.isEmpty() && !EVM_ADDRESS.matcher(operator).matches()) {
            throw new UsageException(
                    "invalid "
                            + describe(Flag.OPERATOR)
                            + " '"
                            + operator
                            + "': expected 0x followed by 40 hex digits");
        }
        if (!LOG_LEVELS.contains(value(Flag.LOG_LEVEL).toLowerCase(Locale.ROOT))) {
            throw new UsageException(
                    "invalid "
                            + describe(Flag.LOG_LEVEL)
                            + " '"
                            + value(Flag.LOG_LEVEL)
                            + "': use one of error, warn, info, debug, trace");
        }
        if (value(Flag.DATA_DIR).isEmpty()) {
            throw new UsageException(describe(Flag.DATA_DIR) + " must not be empty");
        }
        try {
            Path.of(value(Flag.DATA_DIR));
        } catch (InvalidPathException e) {
            throw new UsageException(
                    "invalid "
                            + describe(Flag.DATA_DIR)
                            + " '"
                            + value(Flag.DATA_DIR)
                            + "': "
                            + e.getReason());
        }
        if (mlx()) {
            String os = System.getProperty("os.name", "");
            String arch = System.getProperty("os.arch", "");
            if (!(os.toLowerCase(Locale.ROOT).contains("mac") && arch.equals("aarch64"))) {
                throw new UsageException(
                        describe(Flag.MLX)
                                + " needs macOS on Apple silicon (arm64); this machine is "
                                + os
                                + "/"
                                + arch
                                + ". MLX cannot run here: start without --mlx (CPU/ONNX Runtime inference "
                                + "stays available)");
            }
        }
        bool(Flag.RESET_STORE);
        bool(Flag.CONSOLE);
        bool(Flag.MDNS);
    }

    private void checkHostPort(Flag flag) throws UsageException {
        String text = value(flag);
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new UsageException(
                    "invalid "
                            + describe(flag)
                            + " '"
                            + text
                            + "': expected host:port, e.g. "
                            + flag.defaultValue);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new UsageException(
                    "invalid "
                            + describe(flag)
                            + " '"
                            + text
                            + "': write IPv6 addresses in brackets, "
                            + "e.g. [::1]:50051");
        }
        checkPort(flag, text, text.substring(colon + 1));
        try {
            // resolves names through the system resolver; literals are parsed without a lookup
            InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new UsageException(
                    "invalid " + describe(flag) + " '" + text + "': unknown host '" + host + "'");
        }
    }

    private static void checkPort(Flag flag, String text, String port) throws UsageException {
        int number;
        try {
            number = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new UsageException(
                    "invalid "
                            + describe(flag)
                            + " '"
                            + text
                            + "': port '"
                            + port
                            + "' is not a number");
        }
        if (number < 0 || number > 65535) {
            throw new UsageException(
                    "invalid "
                            + describe(flag)
                            + " '"
                            + text
                            + "': port "
                            + number
                            + " is outside 0-65535");
        }
    }

    private static void checkMultiaddr(Flag flag, String text) throws UsageException {
        String[] parts = text.split("/", -1);
        if (parts.length < 5
                || !parts[0].isEmpty()
                || !Set.of("ip4", "ip6", "dns", "dns4", "dns6").contains(parts[1])
                || parts[2].isEmpty()
                || !parts[3].equals("tcp")) {
            throw new UsageException(
                    "invalid "
                            + describe(flag)
                            + " '"
                            + text
                            + "': expected a multiaddr like /ip4/0.0.0.0/tcp/9000 (bootstrap peers may end in /p2p/<peer id>)");
        }
        checkPort(flag, text, parts[4]);
    }

    private static String describe(Flag flag) {
        return flag.flag + (flag.env.isEmpty() ? "" : " / " + flag.env);
    }

    Flag action() {
        return action;
    }

    String value(Flag flag) {
        List<String> list = values.get(flag);
        return list == null || list.isEmpty() ? "" : list.get(0);
    }

    List<String> list(Flag flag) {
        return values.getOrDefault(flag, List.of());
    }

    boolean bool(Flag flag) throws UsageException {
        String text = value(flag).toLowerCase(Locale.ROOT);
        if (TRUE.contains(text)) {
            return true;
        }
        if (FALSE.contains(text)) {
            return false;
        }
        throw new UsageException(
                "invalid " + describe(flag) + " '" + value(flag) + "': expected true or false");
    }

    boolean mlx() throws UsageException {
        return bool(Flag.MLX);
    }

    /**
     * @param workingDirectory what a relative data dir is relative to
     * @return the framework properties that carry these settings to the node's bundles
     * @throws UsageException if a switch has an invalid value
     */
    Map<String, String> systemProperties(Path workingDirectory) throws UsageException {
        Path data = workingDirectory.resolve(value(Flag.DATA_DIR)).toAbsolutePath().normalize();
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("hanzo.data.dir", data.toString());
        properties.put("hanzo.node.id", value(Flag.NODE_ID));
        properties.put("hanzo.grpc.addr", value(Flag.GRPC_ADDR));
        properties.put("hanzo.http.addr", value(Flag.HTTP_ADDR));
        properties.put("hanzo.p2p.addr", value(Flag.P2P_ADDR));
        properties.put("hanzo.network.id", value(Flag.NETWORK_ID));
        properties.put("hanzo.bootstrap", String.join(",", list(Flag.BOOTSTRAP)));
        properties.put("hanzo.p2p.mdns", Boolean.toString(bool(Flag.MDNS)));
        properties.put("hanzo.operator", value(Flag.OPERATOR));
        properties.put("hanzo.mlx", Boolean.toString(mlx()));
        properties.put("hanzo.log.level", value(Flag.LOG_LEVEL).toUpperCase(Locale.ROOT));
        properties.put("hanzo.store.reset", Boolean.toString(bool(Flag.RESET_STORE)));
        // Karaf's local console on this terminal; off by default (bin/hanzo-node sets false)
        properties.put("karaf.startLocalConsole", Boolean.toString(bool(Flag.CONSOLE)));
        // Karaf keeps its cache, logs and temp files in the node's data dir
        properties.put("karaf.data", data.toString());
        properties.put("karaf.log", data.resolve("log").toString());
        properties.put("java.io.tmpdir", data.resolve("tmp").toString());
        // JNA (under Chronicle Map) would otherwise unpack into ~/.cache
        properties.put("jna.tmpdir", data.resolve("tmp").toString());
        return properties;
    }

    private static String firstNonBlank(String... candidates) {
        for (String candidate : candidates) {
            if (candidate != null && !candidate.isBlank()) {
                return candidate;
            }
        }
        return "";
    }

    private static List<String> splitList(String text) {
        List<String> items = new ArrayList<>();
        for (String item : text.split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return items;
    }
}
