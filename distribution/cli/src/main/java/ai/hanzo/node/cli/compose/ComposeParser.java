package ai.hanzo.node.cli.compose;

import ai.hanzo.node.proto.v1.ComposeSpec;
import ai.hanzo.node.proto.v1.DependsOn;
import ai.hanzo.node.proto.v1.DeploySpec;
import ai.hanzo.node.proto.v1.DeviceRequest;
import ai.hanzo.node.proto.v1.HealthcheckSpec;
import ai.hanzo.node.proto.v1.NetworkSpec;
import ai.hanzo.node.proto.v1.ResourceLimits;
import ai.hanzo.node.proto.v1.ResourceSpec;
import ai.hanzo.node.proto.v1.ServiceSpec;
import ai.hanzo.node.proto.v1.VolumeSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads a docker-compose file as people write it and turns it into the node's {@link ComposeSpec}.
 * Variables are substituted from the given environment over the {@code .env} file next to the
 * compose file. Keys the node cannot honour are all named in one {@link ComposeException}; keys
 * that change nothing here become warnings. Nothing is dropped silently.
 */
public final class ComposeParser {
    private static final Set<String> TOP_KEYS =
            Set.of("version", "name", "services", "networks", "volumes");
    private static final Set<String> SERVICE_KEYS =
            Set.of(
                    "image",
                    "command",
                    "entrypoint",
                    "environment",
                    "env_file",
                    "ports",
                    "expose",
                    "volumes",
                    "networks",
                    "deploy",
                    "healthcheck",
                    "restart",
                    "working_dir",
                    "user",
                    "stop_signal",
                    "stop_grace_period",
                    "depends_on",
                    "labels",
                    "scale");
    private static final Set<String> DEPLOY_KEYS =
            Set.of("replicas", "resources", "restart_policy", "mode");
    private static final Set<String> RESOURCES_KEYS = Set.of("limits", "reservations");
    private static final Set<String> LIMITS_KEYS = Set.of("cpus", "memory");
    private static final Set<String> RESERVATIONS_KEYS = Set.of("cpus", "memory", "devices");
    private static final Set<String> DEVICE_KEYS =
            Set.of("driver", "count", "device_ids", "capabilities", "options");
    private static final Set<String> HEALTHCHECK_KEYS =
            Set.of("test", "interval", "timeout", "retries", "start_period", "disable");
    private static final Set<String> DEPENDS_ON_KEYS = Set.of("condition", "required");
    private static final Set<String> CONDITIONS =
            Set.of("service_started", "service_healthy", "service_completed_successfully");
    private static final Set<String> PORT_KEYS =
            Set.of("target", "published", "host_ip", "protocol", "mode", "name", "app_protocol");
    private static final Set<String> VOLUME_MOUNT_KEYS =
            Set.of("type", "source", "target", "read_only", "bind", "volume", "consistency");
    private static final Set<String> RESTART_POLICY_KEYS =
            Set.of("condition", "max_attempts", "delay", "window");
    private static final Set<String> NETWORK_KEYS = Set.of("driver", "external");
    private static final Set<String> VOLUME_KEYS = Set.of("driver", "driver_opts");

    private static final Pattern SERVICE_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]*");
    private static final Pattern VOLUME_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    private static final Pattern DURATION = Pattern.compile("(\\d+(\\.\\d+)?(ns|us|µs|ms|s|m|h))+");
    private static final Pattern MEMORY =
            Pattern.compile("\\d+(\\.\\d+)?\\s*([bB]|[kKmMgGtT][bB]?|[kKmMgGtT]i[bB])?");
    private static final Pattern RESTART =
            Pattern.compile("no|always|unless-stopped|on-failure(:\\d+)?");
    private static final Pattern SIGNAL = Pattern.compile("(SIG)?[A-Z][A-Z0-9+-]*|\\d+");
    private static final Pattern PORT_RANGE = Pattern.compile("(\\d+)(?:-(\\d+))?");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final Map<String, String> environment;

    /**
     * @param environment the shell's environment: it wins over the {@code .env} file
     */
    public ComposeParser(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /**
     * Parses a compose file; its directory is the project directory ({@code .env}, relative bind
     * mounts, {@code env_file}).
     *
     * @param file the compose file
     * @param defaultName the deployment name when the file has no top-level {@code name}, or null
     *     for the directory's name
     * @return the spec and the warnings
     * @throws ComposeException naming every problem found
     * @throws IOException if the file or its {@code .env} cannot be read
     */
    public ComposeFile parse(Path file, String defaultName) throws ComposeException, IOException {
        Path absolute = file.toAbsolutePath().normalize();
        Path directory = absolute.getParent();
        String text = Files.readString(absolute, StandardCharsets.UTF_8);
        String fallback = defaultName;
        if (fallback == null || fallback.isBlank()) {
            Path dirName = directory.getFileName();
            fallback = dirName == null ? "default" : dirName.toString();
        }
        return parse(text, file.getFileName().toString(), directory, fallback);
    }

    /**
     * @param text the YAML text
     * @param source the file's name, for messages
     * @param directory the project directory
     * @param defaultName the deployment name when the file has no top-level {@code name}
     * @return the spec and the warnings
     * @throws ComposeException naming every problem found
     * @throws IOException if the {@code .env} or an {@code env_file} cannot be read
     */
    public ComposeFile parse(String text, String source, Path directory, String defaultName)
            throws ComposeException, IOException {
        return new Run(source, directory).parse(text, defaultName);
    }

    /**
     * Parses several compose files as one project, as {@code docker compose -f a.yml -f b.yml}:
     * later files override and extend earlier ones ({@link ComposeMerge}); the first file's
     * directory is the project directory.
     *
     * @param files the compose files, in order
     * @param defaultName the deployment name when no file has a top-level {@code name}, or null for
     *     the project directory's name
     * @return the spec of the merged files and the warnings
     * @throws ComposeException naming every problem found
     * @throws IOException if a file or the {@code .env} cannot be read
     */
    public ComposeFile parse(List<Path> files, String defaultName)
            throws ComposeException, IOException {
        if (files.size() == 1) {
            return parse(files.get(0), defaultName);
        }
        Path directory = files.get(0).toAbsolutePath().normalize().getParent();
        List<String> texts = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (Path file : files) {
            texts.add(Files.readString(file, StandardCharsets.UTF_8));
            labels.add(file.getFileName().toString());
        }
        String fallback = defaultName;
        if (fallback == null || fallback.isBlank()) {
            Path dirName = directory.getFileName();
            fallback = dirName == null ? "default" : dirName.toString();
        }
        return new Run(String.join(" + ", labels), directory).parse(texts, labels, fallback);
    }

    /** One parse: the problems and warnings it collects. */
    private final class Run {
        private final String source;
        private final Path directory;
        private final List<String> problems = new ArrayList<>();
        private final Set<String> unsupported = new LinkedHashSet<>();
        private final List<String> warnings = new ArrayList<>();
        private Interpolator interpolator;
        private Map<String, String> variables;

        Run(String source, Path directory) {
            this.source = source;
            this.directory = directory;
        }

        ComposeFile parse(String text, String defaultName) throws ComposeException, IOException {
            readVariables();
            return build(load(text, source), defaultName);
        }

        /** Several files, each interpolated, merged in order as docker compose merges them. */
        ComposeFile parse(List<String> texts, List<String> labels, String defaultName)
                throws ComposeException, IOException {
            readVariables();
            Map<String, Object> root = load(texts.get(0), labels.get(0));
            for (int i = 1; i < texts.size(); i++) {
                root = ComposeMerge.merge(root, load(texts.get(i), labels.get(i)));
            }
            return build(root, defaultName);
        }

        private void readVariables() throws IOException {
            variables = new HashMap<>();
            Path dotEnv = directory.resolve(".env");
            if (Files.isRegularFile(dotEnv)) {
                variables.putAll(DotEnv.read(dotEnv, problems));
            }
            variables.putAll(environment);
            interpolator = new Interpolator(variables);
        }

        private Map<String, Object> load(String text, String source) throws ComposeException {
            Object document;
            try {
                LoadSettings settings =
                        LoadSettings.builder()
                                .setLabel(source)
                                .setAllowDuplicateKeys(false)
                                .setMaxAliasesForCollections(100)
                                .build();
                document = new Load(settings).loadFromString(text);
            } catch (YamlEngineException e) {
                throw new ComposeException(source, List.of("not valid YAML at " + oneLine(e)));
            }
            if (document == null) {
                throw new ComposeException(source, List.of("the file is empty"));
            }
            if (!(document instanceof Map<?, ?> top)) {
                throw new ComposeException(
                        source, List.of("expected a mapping with 'services' at the top level"));
            }
            Map<String, Object> root = interpolateMap(top, "");
            if (!problems.isEmpty()) {
                throw new ComposeException(source, problems);
            }
            return root;
        }

        private ComposeFile build(Map<String, Object> root, String defaultName)
                throws ComposeException, IOException {
            checkKeys(root, TOP_KEYS, "");
            ComposeSpec.Builder spec = ComposeSpec.newBuilder();
            if (root.containsKey("version")) {
                spec.setVersion(scalar(root.get("version"), "version"));
                warnings.add("version: obsolete in the compose specification; ignored");
            }
            String name = root.containsKey("name") ? scalar(root.get("name"), "name") : defaultName;
            spec.setName(projectName(name));

            Map<String, Object> volumes = map(root.get("volumes"), "volumes");
            for (Map.Entry<String, Object> e : volumes.entrySet()) {
                spec.putVolumes(e.getKey(), volume(e.getKey(), e.getValue()));
            }
            Map<String, Object> networks = map(root.get("networks"), "networks");
            for (Map.Entry<String, Object> e : networks.entrySet()) {
                spec.putNetworks(e.getKey(), network(e.getKey(), e.getValue()));
            }
            Map<String, Object> services = map(root.get("services"), "services");
            if (services.isEmpty() && !root.containsKey("services")) {
                problems.add("no 'services': a compose file needs at least one service");
            } else if (services.isEmpty()) {
                problems.add("services: empty; a compose file needs at least one service");
            }
            for (Map.Entry<String, Object> e : services.entrySet()) {
                if (!SERVICE_NAME.matcher(e.getKey()).matches()) {
                    problems.add(
                            "services."
                                    + e.getKey()
                                    + ": invalid service name (use letters, digits, '.', '_', '-')");
                    continue;
                }
                ServiceSpec service =
                        service(e.getKey(), e.getValue(), volumes.keySet(), networks.keySet());
                if (service != null) {
                    spec.putServices(e.getKey(), service);
                }
            }
            checkDependencies(spec.getServicesMap());
            if (!unsupported.isEmpty()) {
                problems.add(
                        0,
                        "the node does not support "
                                + (unsupported.size() == 1 ? "this key: " : "these keys: ")
                                + String.join(", ", unsupported)
                                + " (remove "
                                + (unsupported.size() == 1 ? "it" : "them")
                                + " to deploy here)");
            }
            if (!problems.isEmpty()) {
                throw new ComposeException(source, problems);
            }
            return new ComposeFile(spec.build(), spec.getName(), warnings);
        }

        private String projectName(String name) {
            String lower = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]", "");
            if (lower.isEmpty()) {
                problems.add("name: '" + name + "' has no letters or digits to name the project");
                return "default";
            }
            return lower;
        }

        // ---- services

        private ServiceSpec service(
                String name, Object value, Set<String> volumes, Set<String> networks)
                throws IOException {
            String at = "services." + name;
            if (!(value instanceof Map<?, ?>)) {
                problems.add(at + ": expected a mapping of the service's settings");
                return null;
            }
            Map<String, Object> s = map(value, at);
            checkKeys(s, SERVICE_KEYS, at);
            ServiceSpec.Builder b = ServiceSpec.newBuilder();
            if (s.containsKey("image")) {
                b.setImage(scalar(s.get("image"), at + ".image"));
            }
            if (s.containsKey("command")) {
                b.addAllCommand(words(s.get("command"), at + ".command"));
            }
            if (s.containsKey("entrypoint")) {
                b.addAllEntrypoint(words(s.get("entrypoint"), at + ".entrypoint"));
            }
            if (b.getImage().isEmpty() && b.getCommandCount() == 0 && b.getEntrypointCount() == 0) {
                problems.add(
                        at
                                + ": no image, entrypoint or command: give an image (or, for the"
                                + " process runtime, the program in entrypoint or command)");
            }
            Map<String, String> env = new LinkedHashMap<>();
            if (s.containsKey("env_file")) {
                env.putAll(envFiles(s.get("env_file"), at + ".env_file"));
            }
            env.putAll(keyValues(s.get("environment"), at + ".environment", true));
            b.putAllEnvironment(env);
            List<Object> ports = list(s.get("ports"), at + ".ports");
            for (int i = 0; i < ports.size(); i++) {
                String p = port(ports.get(i), at + ".ports[" + i + "]");
                if (p != null) {
                    b.addPorts(p);
                }
            }
            if (s.containsKey("expose")) {
                warnings.add(
                        at
                                + ".expose: changes nothing here (services reach each other on the"
                                + " node's loopback; publish with ports)");
            }
            List<Object> mounts = list(s.get("volumes"), at + ".volumes");
            for (int i = 0; i < mounts.size(); i++) {
                String v = mount(mounts.get(i), at + ".volumes[" + i + "]", volumes);
                if (v != null) {
                    b.addVolumes(v);
                }
            }
            b.addAllNetworks(serviceNetworks(s.get("networks"), at + ".networks", networks));
            DeploySpec deploy = deploy(s.get("deploy"), at + ".deploy", b);
            if (s.containsKey("scale")) {
                int scale = integer(s.get("scale"), at + ".scale", 0);
                if (deploy != null
                        && deploy.getReplicas() != scale
                        && map(s.get("deploy"), at).containsKey("replicas")) {
                    problems.add(
                            at
                                    + ": scale "
                                    + scale
                                    + " and deploy.replicas "
                                    + deploy.getReplicas()
                                    + " disagree; keep one");
                }
                deploy =
                        (deploy == null ? DeploySpec.newBuilder() : deploy.toBuilder())
                                .setReplicas(scale)
                                .build();
            }
            if (deploy != null) {
                b.setDeploy(deploy);
            }
            if (s.containsKey("healthcheck")) {
                HealthcheckSpec health = healthcheck(s.get("healthcheck"), at + ".healthcheck");
                if (health != null) {
                    b.setHealthcheck(health);
                }
            }
            if (s.containsKey("restart")) {
                String restart = scalar(s.get("restart"), at + ".restart");
                if (!RESTART.matcher(restart).matches()) {
                    problems.add(
                            at
                                    + ".restart: '"
                                    + restart
                                    + "' is not a restart policy (no, always, on-failure[:N],"
                                    + " unless-stopped)");
                } else if (!b.getRestart().isEmpty() && !b.getRestart().equals(restart)) {
                    problems.add(
                            at
                                    + ": restart '"
                                    + restart
                                    + "' and deploy.restart_policy ('"
                                    + b.getRestart()
                                    + "') disagree; keep one");
                } else {
                    b.setRestart(restart);
                }
            }
            if (s.containsKey("working_dir")) {
                String dir = scalar(s.get("working_dir"), at + ".working_dir");
                if (!dir.startsWith("/")) {
                    problems.add(at + ".working_dir: '" + dir + "' must be an absolute path");
                }
                b.setWorkingDir(dir);
            }
            if (s.containsKey("user")) {
                b.setUser(scalar(s.get("user"), at + ".user"));
            }
            if (s.containsKey("stop_signal")) {
                String signal = scalar(s.get("stop_signal"), at + ".stop_signal");
                if (!SIGNAL.matcher(signal).matches()) {
                    problems.add(
                            at + ".stop_signal: '" + signal + "' is not a signal (e.g. SIGTERM)");
                }
                b.setStopSignal(signal);
            }
            if (s.containsKey("stop_grace_period")) {
                b.setStopGracePeriod(
                        duration(s.get("stop_grace_period"), at + ".stop_grace_period"));
            }
            b.putAllDependsOn(dependsOn(s.get("depends_on"), at + ".depends_on"));
            b.putAllLabels(keyValues(s.get("labels"), at + ".labels", false));
            return b.build();
        }

        private Map<String, String> envFiles(Object value, String at) throws IOException {
            Map<String, String> env = new LinkedHashMap<>();
            List<Object> files = value instanceof List<?> ? list(value, at) : List.of(value);
            for (int i = 0; i < files.size(); i++) {
                Object item = files.get(i);
                String where =
                        files.size() == 1 && !(value instanceof List<?>) ? at : at + "[" + i + "]";
                String path;
                boolean required = true;
                if (item instanceof Map<?, ?>) {
                    Map<String, Object> m = map(item, where);
                    checkKeys(m, Set.of("path", "required", "format"), where);
                    path = scalar(m.get("path"), where + ".path");
                    if (m.containsKey("required")) {
                        required = bool(m.get("required"), where + ".required");
                    }
                } else {
                    path = scalar(item, where);
                }
                Path file = directory.resolve(path).normalize();
                if (!Files.isRegularFile(file)) {
                    if (required) {
                        problems.add(where + ": env file " + file + " not found");
                    }
                    continue;
                }
                env.putAll(DotEnv.read(file, problems));
            }
            return env;
        }

        private List<String> serviceNetworks(Object value, String at, Set<String> declared) {
            List<String> names = new ArrayList<>();
            if (value == null) {
                return names;
            }
            if (value instanceof Map<?, ?>) {
                for (Map.Entry<String, Object> e : map(value, at).entrySet()) {
                    if (e.getValue() != null) {
                        Map<String, Object> settings = map(e.getValue(), at + "." + e.getKey());
                        settings.keySet()
                                .forEach(k -> unsupported.add(at + "." + e.getKey() + "." + k));
                    }
                    names.add(e.getKey());
                }
            } else {
                for (Object item : list(value, at)) {
                    names.add(scalar(item, at));
                }
            }
            for (String n : names) {
                if (!declared.contains(n) && !n.equals("default")) {
                    problems.add(
                            at
                                    + ": network '"
                                    + n
                                    + "' is not declared under the top-level networks");
                }
            }
            return names;
        }

        // ---- ports

        private String port(Object value, String at) {
            if (value instanceof Map<?, ?>) {
                Map<String, Object> m = map(value, at);
                checkKeys(m, PORT_KEYS, at);
                for (String cosmetic : List.of("name", "app_protocol")) {
                    if (m.containsKey(cosmetic)) {
                        warnings.add(at + "." + cosmetic + ": changes nothing here");
                    }
                }
                if (m.containsKey("mode")) {
                    String mode = scalar(m.get("mode"), at + ".mode");
                    if (!mode.equals("host") && !mode.equals("ingress")) {
                        problems.add(at + ".mode: '" + mode + "' is not host or ingress");
                    }
                }
                if (!m.containsKey("target")) {
                    problems.add(at + ": a long-syntax port needs 'target'");
                    return null;
                }
                String target = scalar(m.get("target"), at + ".target");
                String published =
                        m.containsKey("published")
                                ? scalar(m.get("published"), at + ".published")
                                : "";
                String hostIp =
                        m.containsKey("host_ip") ? scalar(m.get("host_ip"), at + ".host_ip") : "";
                String protocol =
                        m.containsKey("protocol")
                                ? scalar(m.get("protocol"), at + ".protocol")
                                : "";
                StringBuilder shortForm = new StringBuilder();
                if (!hostIp.isEmpty()) {
                    shortForm
                            .append(
                                    hostIp.contains(":") && !hostIp.startsWith("[")
                                            ? "[" + hostIp + "]"
                                            : hostIp)
                            .append(':');
                }
                if (!published.isEmpty() || !hostIp.isEmpty()) {
                    shortForm.append(published).append(':');
                }
                shortForm.append(target);
                if (!protocol.isEmpty()) {
                    shortForm.append('/').append(protocol);
                }
                return shortPort(shortForm.toString(), at);
            }
            return shortPort(scalar(value, at), at);
        }

        private String shortPort(String text, String at) {
            String rest = text;
            String protocol = "";
            int slash = rest.lastIndexOf('/');
            if (slash >= 0) {
                protocol = rest.substring(slash + 1);
                rest = rest.substring(0, slash);
                if (!Set.of("tcp", "udp", "sctp").contains(protocol)) {
                    problems.add(
                            at
                                    + ": '"
                                    + text
                                    + "': protocol '"
                                    + protocol
                                    + "' is not tcp, udp or sctp");
                    return null;
                }
            }
            String ip = "";
            if (rest.startsWith("[")) {
                int close = rest.indexOf(']');
                if (close < 0 || close + 1 >= rest.length() || rest.charAt(close + 1) != ':') {
                    problems.add(
                            at + ": '" + text + "' is not a port mapping ([ip]:host:container)");
                    return null;
                }
                ip = rest.substring(0, close + 1);
                rest = rest.substring(close + 2);
            }
            String[] parts = rest.split(":", -1);
            String host = "";
            String container;
            if (!ip.isEmpty()) {
                if (parts.length != 2) {
                    problems.add(
                            at + ": '" + text + "' is not a port mapping ([ip]:host:container)");
                    return null;
                }
                host = parts[0];
                container = parts[1];
            } else if (parts.length == 1) {
                container = parts[0];
            } else if (parts.length == 2) {
                host = parts[0];
                container = parts[1];
            } else if (parts.length == 3) {
                ip = parts[0];
                host = parts[1];
                container = parts[2];
                if (!IPV4.matcher(ip).matches()) {
                    problems.add(
                            at
                                    + ": '"
                                    + text
                                    + "': host address '"
                                    + ip
                                    + "' is not an IPv4 address (write IPv6 in brackets)");
                    return null;
                }
            } else {
                problems.add(at + ": '" + text + "' is not a port mapping (ip:host:container)");
                return null;
            }
            int[] containerRange = portRange(container, text, at);
            if (containerRange == null) {
                return null;
            }
            if (!host.isEmpty()) {
                int[] hostRange = portRange(host, text, at);
                if (hostRange == null) {
                    return null;
                }
                int hostSize = hostRange[1] - hostRange[0];
                int containerSize = containerRange[1] - containerRange[0];
                if (hostSize != containerSize && containerSize != 0) {
                    problems.add(
                            at
                                    + ": '"
                                    + text
                                    + "': host range "
                                    + host
                                    + " and container range "
                                    + container
                                    + " differ in size");
                    return null;
                }
            }
            return text;
        }

        private int[] portRange(String text, String whole, String at) {
            var m = PORT_RANGE.matcher(text);
            if (!m.matches()) {
                problems.add(
                        at + ": '" + whole + "': '" + text + "' is not a port number or range");
                return null;
            }
            long low = Long.parseLong(m.group(1));
            long high = m.group(2) == null ? low : Long.parseLong(m.group(2));
            if (low < 1 || high > 65535 || low > 65535) {
                problems.add(
                        at
                                + ": '"
                                + whole
                                + "': port "
                                + (low < 1 || low > 65535 ? low : high)
                                + " is outside 1-65535");
                return null;
            }
            if (high < low) {
                problems.add(at + ": '" + whole + "': range " + text + " ends before it starts");
                return null;
            }
            return new int[] {(int) low, (int) high};
        }

        // ---- volumes

        private String mount(Object value, String at, Set<String> declared) {
            String source;
            String target;
            String mode = "";
            if (value instanceof Map<?, ?>) {
                Map<String, Object> m = map(value, at);
                checkKeys(m, VOLUME_MOUNT_KEYS, at);
                String type = m.containsKey("type") ? scalar(m.get("type"), at + ".type") : "";
                if (!type.equals("bind") && !type.equals("volume")) {
                    if (type.isEmpty()) {
                        problems.add(at + ": a long-syntax volume needs 'type' (bind or volume)");
                    } else {
                        unsupported.add(at + ".type: " + type);
                    }
                    return null;
                }
                source = m.containsKey("source") ? scalar(m.get("source"), at + ".source") : "";
                if (!m.containsKey("target")) {
                    problems.add(at + ": a long-syntax volume needs 'target'");
                    return null;
                }
                target = scalar(m.get("target"), at + ".target");
                if (m.containsKey("read_only") && bool(m.get("read_only"), at + ".read_only")) {
                    mode = "ro";
                }
                if (m.containsKey("bind")) {
                    Map<String, Object> bind = map(m.get("bind"), at + ".bind");
                    checkKeys(bind, Set.of("create_host_path"), at + ".bind");
                }
                if (m.containsKey("volume")) {
                    Map<String, Object> volume = map(m.get("volume"), at + ".volume");
                    checkKeys(volume, Set.of("nocopy"), at + ".volume");
                    if (volume.containsKey("nocopy")) {
                        warnings.add(at + ".volume.nocopy: changes nothing here");
                    }
                }
                if (m.containsKey("consistency")) {
                    warnings.add(at + ".consistency: changes nothing here");
                }
                if (type.equals("bind") && source.isEmpty()) {
                    problems.add(at + ": a bind mount needs 'source'");
                    return null;
                }
                if (type.equals("bind") && !isPath(source)) {
                    source = "./" + source;
                }
                if (type.equals("volume") && isPath(source)) {
                    problems.add(
                            at
                                    + ": type volume with a path source '"
                                    + source
                                    + "' (use type bind)");
                    return null;
                }
            } else {
                String text = scalar(value, at);
                String[] parts = text.split(":", -1);
                if (parts.length == 1) {
                    source = "";
                    target = parts[0];
                } else if (parts.length == 2 || parts.length == 3) {
                    source = parts[0];
                    target = parts[1];
                    if (parts.length == 3) {
                        for (String option : parts[2].split(",")) {
                            switch (option) {
                                case "ro", "rw" -> mode = option.equals("ro") ? "ro" : mode;
                                case "z", "Z", "cached", "delegated", "consistent", "nocopy" ->
                                        warnings.add(
                                                at
                                                        + ": mount option '"
                                                        + option
                                                        + "' changes nothing here");
                                default ->
                                        problems.add(
                                                at
                                                        + ": '"
                                                        + text
                                                        + "': unknown mount option '"
                                                        + option
                                                        + "' (ro or rw)");
                            }
                        }
                    }
                } else {
                    problems.add(at + ": '" + text + "' is not a volume (source:target[:ro])");
                    return null;
                }
            }
            if (!target.startsWith("/")) {
                problems.add(at + ": target '" + target + "' must be an absolute path");
                return null;
            }
            if (isPath(source)) {
                source = hostPath(source);
            } else if (!source.isEmpty()) {
                if (!VOLUME_NAME.matcher(source).matches()) {
                    problems.add(at + ": '" + source + "' is neither a path nor a volume name");
                    return null;
                }
                if (!declared.contains(source)) {
                    problems.add(
                            at
                                    + ": volume '"
                                    + source
                                    + "' is not declared under the top-level volumes");
                    return null;
                }
            }
            return (source.isEmpty() ? "" : source + ":")
                    + target
                    + (mode.isEmpty() ? "" : ":" + mode);
        }

        private boolean isPath(String source) {
            return source.startsWith("/") || source.startsWith(".") || source.startsWith("~");
        }

        // relative binds are relative to the project directory, wherever the node runs
        private String hostPath(String source) {
            if (source.startsWith("~")) {
                String home = environment.getOrDefault("HOME", System.getProperty("user.home"));
                return Path.of(home + source.substring(1)).normalize().toString();
            }
            return directory.resolve(source).normalize().toString();
        }

        // ---- deploy, healthcheck, depends_on

        private DeploySpec deploy(Object value, String at, ServiceSpec.Builder service) {
            if (value == null) {
                return null;
            }
            Map<String, Object> d = map(value, at);
            checkKeys(d, DEPLOY_KEYS, at);
            DeploySpec.Builder b = DeploySpec.newBuilder();
            if (d.containsKey("mode")) {
                String mode = scalar(d.get("mode"), at + ".mode");
                if (!mode.equals("replicated")) {
                    unsupported.add(at + ".mode: " + mode);
                }
            }
            if (d.containsKey("replicas")) {
                b.setReplicas(integer(d.get("replicas"), at + ".replicas", 0));
            } else {
                b.setReplicas(1);
            }
            if (d.containsKey("resources")) {
                Map<String, Object> r = map(d.get("resources"), at + ".resources");
                checkKeys(r, RESOURCES_KEYS, at + ".resources");
                ResourceSpec.Builder resources = ResourceSpec.newBuilder();
                if (r.containsKey("limits")) {
                    resources.setLimits(
                            limits(r.get("limits"), at + ".resources.limits", LIMITS_KEYS));
                }
                if (r.containsKey("reservations")) {
                    String where = at + ".resources.reservations";
                    resources.setReservations(
                            limits(r.get("reservations"), where, RESERVATIONS_KEYS));
                    Map<String, Object> reservations = map(r.get("reservations"), where);
                    List<Object> devices = list(reservations.get("devices"), where + ".devices");
                    for (int i = 0; i < devices.size(); i++) {
                        DeviceRequest device =
                                device(devices.get(i), where + ".devices[" + i + "]");
                        if (device != null) {
                            service.addDevices(device);
                        }
                    }
                }
                b.setResources(resources);
            }
            if (d.containsKey("restart_policy")) {
                String where = at + ".restart_policy";
                Map<String, Object> p = map(d.get("restart_policy"), where);
                checkKeys(p, RESTART_POLICY_KEYS, where);
                String condition =
                        p.containsKey("condition")
                                ? scalar(p.get("condition"), where + ".condition")
                                : "any";
                String restart =
                        switch (condition) {
                            case "none" -> "no";
                            case "any" -> "always";
                            case "on-failure" ->
                                    p.containsKey("max_attempts")
                                            ? "on-failure:"
                                                    + integer(
                                                            p.get("max_attempts"),
                                                            where + ".max_attempts",
                                                            0)
                                            : "on-failure";
                            default -> {
                                problems.add(
                                        where
                                                + ".condition: '"
                                                + condition
                                                + "' is not none, on-failure or any");
                                yield "";
                            }
                        };
                for (String timing : List.of("delay", "window")) {
                    if (p.containsKey(timing)) {
                        duration(p.get(timing), where + "." + timing);
                        warnings.add(
                                where
                                        + "."
                                        + timing
                                        + ": changes nothing here (the node restarts with its own back-off: 100 ms doubling up to 1 min)");
                    }
                }
                service.setRestart(restart);
            }
            return b.build();
        }

        private ResourceLimits limits(Object value, String at, Set<String> keys) {
            Map<String, Object> m = map(value, at);
            checkKeys(m, keys, at);
            ResourceLimits.Builder b = ResourceLimits.newBuilder();
            if (m.containsKey("cpus")) {
                String cpus = scalar(m.get("cpus"), at + ".cpus");
                try {
                    double n = Double.parseDouble(cpus);
                    if (!(n > 0) || Double.isInfinite(n)) {
                        problems.add(at + ".cpus: '" + cpus + "' must be more than 0");
                    }
                } catch (NumberFormatException e) {
                    problems.add(at + ".cpus: '" + cpus + "' is not a number of CPUs (e.g. 0.5)");
                }
                b.setCpus(cpus);
            }
            if (m.containsKey("memory")) {
                String memory = scalar(m.get("memory"), at + ".memory");
                if (!MEMORY.matcher(memory).matches()) {
                    problems.add(
                            at
                                    + ".memory: '"
                                    + memory
                                    + "' is not a size (e.g. 512M, 1g, 1073741824)");
                }
                b.setMemory(memory);
            }
            return b.build();
        }

        private DeviceRequest device(Object value, String at) {
            Map<String, Object> m = map(value, at);
            checkKeys(m, DEVICE_KEYS, at);
            DeviceRequest.Builder b = DeviceRequest.newBuilder();
            if (m.containsKey("driver")) {
                b.setDriver(scalar(m.get("driver"), at + ".driver"));
            }
            if (m.containsKey("count")) {
                String count = scalar(m.get("count"), at + ".count");
                b.setCount(count.equals("all") ? -1 : integer(count, at + ".count", 1));
            }
            for (Object id : list(m.get("device_ids"), at + ".device_ids")) {
                b.addDeviceIds(scalar(id, at + ".device_ids"));
            }
            if (m.containsKey("count") && b.getDeviceIdsCount() > 0) {
                problems.add(at + ": count and device_ids exclude each other; keep one");
            }
            for (Object capability : list(m.get("capabilities"), at + ".capabilities")) {
                b.addCapabilities(scalar(capability, at + ".capabilities"));
            }
            if (b.getCapabilitiesCount() == 0) {
                problems.add(at + ": a device request needs capabilities (e.g. [gpu])");
            }
            b.putAllOptions(keyValues(m.get("options"), at + ".options", false));
            return b.build();
        }

        private HealthcheckSpec healthcheck(Object value, String at) {
            Map<String, Object> h = map(value, at);
            checkKeys(h, HEALTHCHECK_KEYS, at);
            HealthcheckSpec.Builder b = HealthcheckSpec.newBuilder();
            if (h.containsKey("disable") && bool(h.get("disable"), at + ".disable")) {
                if (h.containsKey("test")) {
                    problems.add(at + ": disable: true and a test exclude each other");
                }
                return b.addTest("NONE").build();
            }
            Object test = h.get("test");
            if (test == null) {
                problems.add(at + ": needs 'test' (or disable: true)");
            } else if (test instanceof List<?>) {
                List<String> words = new ArrayList<>();
                for (Object word : list(test, at + ".test")) {
                    words.add(scalar(word, at + ".test"));
                }
                if (words.isEmpty() || !Set.of("CMD", "CMD-SHELL", "NONE").contains(words.get(0))) {
                    problems.add(
                            at
                                    + ".test: a list must start with CMD, CMD-SHELL or NONE, e.g. [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]");
                } else if (!words.get(0).equals("NONE") && words.size() < 2) {
                    problems.add(at + ".test: " + words.get(0) + " needs a command after it");
                }
                b.addAllTest(words);
            } else {
                b.addTest("CMD-SHELL").addTest(scalar(test, at + ".test"));
            }
            if (h.containsKey("interval")) {
                b.setInterval(duration(h.get("interval"), at + ".interval"));
            }
            if (h.containsKey("timeout")) {
                b.setTimeout(duration(h.get("timeout"), at + ".timeout"));
            }
            if (h.containsKey("start_period")) {
                b.setStartPeriod(duration(h.get("start_period"), at + ".start_period"));
            }
            if (h.containsKey("retries")) {
                b.setRetries(integer(h.get("retries"), at + ".retries", 0));
            }
            return b.build();
        }

        private Map<String, DependsOn> dependsOn(Object value, String at) {
            Map<String, DependsOn> result = new LinkedHashMap<>();
            if (value == null) {
                return result;
            }
            if (value instanceof List<?>) {
                for (Object item : list(value, at)) {
                    result.put(
                            scalar(item, at),
                            DependsOn.newBuilder()
                                    .setCondition("service_started")
                                    .setRequired(true)
                                    .build());
                }
                return result;
            }
            for (Map.Entry<String, Object> e : map(value, at).entrySet()) {
                String where = at + "." + e.getKey();
                Map<String, Object> m = map(e.getValue(), where);
                checkKeys(m, DEPENDS_ON_KEYS, where);
                String condition =
                        m.containsKey("condition")
                                ? scalar(m.get("condition"), where + ".condition")
                                : "service_started";
                if (!CONDITIONS.contains(condition)) {
                    problems.add(
                            where
                                    + ".condition: '"
                                    + condition
                                    + "' is not service_started, service_healthy or service_completed_successfully");
                }
                boolean required =
                        !m.containsKey("required") || bool(m.get("required"), where + ".required");
                result.put(
                        e.getKey(),
                        DependsOn.newBuilder()
                                .setCondition(condition)
                                .setRequired(required)
                                .build());
            }
            return result;
        }

        private void checkDependencies(Map<String, ServiceSpec> services) {
            for (Map.Entry<String, ServiceSpec> e : services.entrySet()) {
                for (Map.Entry<String, DependsOn> d : e.getValue().getDependsOnMap().entrySet()) {
                    String other = d.getKey();
                    if (other.equals(e.getKey())) {
                        problems.add(
                                "services."
                                        + e.getKey()
                                        + ".depends_on: a service cannot depend on itself");
                    } else if (!services.containsKey(other)) {
                        problems.add(
                                "services."
                                        + e.getKey()
                                        + ".depends_on: service '"
                                        + other
                                        + "' is not defined");
                    } else if (d.getValue().getCondition().equals("service_healthy")
                            && (!services.get(other).hasHealthcheck()
                                    || services.get(other)
                                            .getHealthcheck()
                                            .getTest(0)
                                            .equals("NONE"))) {
                        problems.add(
                                "services."
                                        + e.getKey()
                                        + ".depends_on."
                                        + other
                                        + ": condition service_healthy, but '"
                                        + other
                                        + "' has no healthcheck");
                    }
                }
            }
            // a cycle would leave every service in it waiting forever
            Set<String> done = new HashSet<>();
            for (String start : services.keySet()) {
                List<String> cycle = cycleFrom(start, services, new ArrayList<>(), done);
                if (cycle != null) {
                    problems.add("depends_on: cycle " + String.join(" -> ", cycle));
                    return;
                }
            }
        }

        private List<String> cycleFrom(
                String name,
                Map<String, ServiceSpec> services,
                List<String> path,
                Set<String> done) {
            int seen = path.indexOf(name);
            if (seen >= 0) {
                List<String> cycle = new ArrayList<>(path.subList(seen, path.size()));
                cycle.add(name);
                return cycle;
            }
            if (done.contains(name) || !services.containsKey(name)) {
                return null;
            }
            path.add(name);
            for (String next : services.get(name).getDependsOnMap().keySet()) {
                List<String> cycle = cycleFrom(next, services, path, done);
                if (cycle != null) {
                    return cycle;
                }
            }
            path.remove(path.size() - 1);
            done.add(name);
            return null;
        }

        // ---- top-level networks and volumes

        private NetworkSpec network(String name, Object value) {
            NetworkSpec.Builder b = NetworkSpec.newBuilder();
            if (value == null) {
                return b.build();
            }
            String at = "networks." + name;
            Map<String, Object> m = map(value, at);
            checkKeys(m, NETWORK_KEYS, at);
            if (m.containsKey("driver")) {
                b.setDriver(scalar(m.get("driver"), at + ".driver"));
            }
            if (m.containsKey("external")) {
                b.setExternal(bool(m.get("external"), at + ".external"));
            }
            return b.build();
        }

        private VolumeSpec volume(String name, Object value) {
            VolumeSpec.Builder b = VolumeSpec.newBuilder();
            String at = "volumes." + name;
            if (!VOLUME_NAME.matcher(name).matches()) {
                problems.add(at + ": invalid volume name");
            }
            if (value == null) {
                return b.build();
            }
            Map<String, Object> m = map(value, at);
            checkKeys(m, VOLUME_KEYS, at);
            if (m.containsKey("driver")) {
                b.setDriver(scalar(m.get("driver"), at + ".driver"));
            }
            b.putAllDriverOpts(keyValues(m.get("driver_opts"), at + ".driver_opts", false));
            return b.build();
        }

        // ---- scalar and collection helpers

        private void checkKeys(Map<String, Object> m, Set<String> known, String at) {
            for (String key : m.keySet()) {
                if (!known.contains(key) && !key.startsWith("x-")) {
                    unsupported.add(at.isEmpty() ? key : at + "." + key);
                }
            }
        }

        private Map<String, Object> interpolateMap(Map<?, ?> m, String at) {
            Map<String, Object> out = new LinkedHashMap<>();
            // YAML merge keys (<<: *anchor), which compose files use for shared settings: the
            // merged mappings come first, so the mapping's own keys win
            Object merge = m.get("<<");
            if (merge != null) {
                List<?> sources = merge instanceof List<?> l ? l : List.of(merge);
                for (Object source : sources) {
                    if (source instanceof Map<?, ?> sourceMap) {
                        out.putAll(interpolateMap(sourceMap, at));
                    } else {
                        problems.add(
                                (at.isEmpty() ? "" : at + ".")
                                        + "<<: a merge key takes a mapping or a list of mappings");
                    }
                }
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String key = String.valueOf(e.getKey());
                if (key.equals("<<")) {
                    continue;
                }
                String where = at.isEmpty() ? key : at + "." + key;
                out.put(key, interpolateValue(e.getValue(), where));
            }
            return out;
        }

        private Object interpolateValue(Object value, String at) {
            if (value instanceof String s) {
                try {
                    return interpolator.interpolate(s, at);
                } catch (IllegalArgumentException e) {
                    problems.add(e.getMessage());
                    return s;
                }
            }
            if (value instanceof Map<?, ?> m) {
                return interpolateMap(m, at);
            }
            if (value instanceof List<?> l) {
                List<Object> out = new ArrayList<>();
                for (int i = 0; i < l.size(); i++) {
                    out.add(interpolateValue(l.get(i), at + "[" + i + "]"));
                }
                return out;
            }
            return value;
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> map(Object value, String at) {
            if (value == null) {
                return Map.of();
            }
            if (value instanceof Map<?, ?> m) {
                return (Map<String, Object>) m;
            }
            problems.add(at + ": expected a mapping, found " + describe(value));
            return Map.of();
        }

        @SuppressWarnings("unchecked")
        private List<Object> list(Object value, String at) {
            if (value == null) {
                return List.of();
            }
            if (value instanceof List<?> l) {
                return (List<Object>) l;
            }
            problems.add(at + ": expected a list, found " + describe(value));
            return List.of();
        }

        private String scalar(Object value, String at) {
            if (value instanceof String s) {
                return s;
            }
            if (value instanceof Number || value instanceof Boolean) {
                return String.valueOf(value);
            }
            problems.add(at + ": expected a single value, found " + describe(value));
            return "";
        }

        private List<String> words(Object value, String at) {
            if (value instanceof List<?>) {
                List<String> words = new ArrayList<>();
                for (Object word : list(value, at)) {
                    words.add(scalar(word, at));
                }
                return words;
            }
            if (value == null) {
                return List.of();
            }
            try {
                return ShellWords.split(scalar(value, at));
            } catch (IllegalArgumentException e) {
                problems.add(at + ": " + e.getMessage());
                return List.of();
            }
        }

        private Map<String, String> keyValues(Object value, String at, boolean fromEnvironment) {
            Map<String, String> result = new LinkedHashMap<>();
            if (value == null) {
                return result;
            }
            if (value instanceof List<?>) {
                for (Object item : list(value, at)) {
                    String text = scalar(item, at);
                    int equals = text.indexOf('=');
                    if (equals == 0) {
                        problems.add(at + ": '" + text + "' has no name before '='");
                    } else if (equals > 0) {
                        result.put(text.substring(0, equals), text.substring(equals + 1));
                    } else if (fromEnvironment) {
                        // a bare name passes the variable through from the shell, if it is set
                        String v = variables.get(text);
                        if (v != null) {
                            result.put(text, v);
                        }
                    } else {
                        result.put(text, "");
                    }
                }
                return result;
            }
            for (Map.Entry<String, Object> e : map(value, at).entrySet()) {
                if (e.getValue() == null) {
                    String v = fromEnvironment ? variables.get(e.getKey()) : "";
                    if (v != null) {
                        result.put(e.getKey(), v);
                    }
                } else {
                    result.put(e.getKey(), scalar(e.getValue(), at + "." + e.getKey()));
                }
            }
            return result;
        }

        private int integer(Object value, String at, int min) {
            String text = scalar(value, at);
            try {
                int n = Integer.parseInt(text.strip());
                if (n < min) {
                    problems.add(at + ": " + n + " is less than " + min);
                }
                return n;
            } catch (NumberFormatException e) {
                problems.add(at + ": '" + text + "' is not a whole number");
                return 0;
            }
        }

        private boolean bool(Object value, String at) {
            if (value instanceof Boolean b) {
                return b;
            }
            String text = scalar(value, at).toLowerCase(Locale.ROOT);
            if (text.equals("true")) {
                return true;
            }
            if (!text.equals("false")) {
                problems.add(at + ": '" + text + "' is not true or false");
            }
            return false;
        }

        private String duration(Object value, String at) {
            if (value instanceof Number) {
                problems.add(
                        at
                                + ": '"
                                + value
                                + "' has no unit; write a duration such as "
                                + value
                                + "s or 1m30s");
                return "";
            }
            String text = scalar(value, at);
            if (!DURATION.matcher(text).matches()) {
                problems.add(at + ": '" + text + "' is not a duration (e.g. 30s, 1m30s, 500ms)");
            }
            return text;
        }

        private static String describe(Object value) {
            if (value instanceof Map<?, ?>) {
                return "a mapping";
            }
            if (value instanceof List<?>) {
                return "a list";
            }
            return value == null ? "nothing" : "'" + value + "'";
        }

        private static String oneLine(YamlEngineException e) {
            if (e instanceof MarkedYamlEngineException marked
                    && marked.getProblemMark().isPresent()) {
                Mark mark = marked.getProblemMark().get();
                return "line "
                        + (mark.getLine() + 1)
                        + ", column "
                        + (mark.getColumn() + 1)
                        + ": "
                        + marked.getProblem();
            }
            return e.getMessage().replaceAll("\\s*\\n\\s*", " ").strip();
        }
    }
}
