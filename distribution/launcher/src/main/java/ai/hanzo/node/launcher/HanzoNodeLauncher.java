package ai.hanzo.node.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The entry point of {@code bin/hanzo-node}: resolves and checks the settings, prints help or the
 * version if asked, then starts Karaf in this JVM with the settings as system properties. A bad
 * setting ends the process with exit code 2 and one line that says what is wrong.
 */
public final class HanzoNodeLauncher {
    static final int USAGE_ERROR = 2;

    private HanzoNodeLauncher() {}

    /**
     * @param args the command line
     * @throws Exception if Karaf fails to start
     */
    public static void main(String[] args) throws Exception {
        Path home = Path.of(System.getProperty("karaf.home", ".")).toAbsolutePath().normalize();
        NodeOptions options;
        try {
            options =
                    NodeOptions.parse(
                            List.of(args),
                            System.getenv(),
                            readConf(home.resolve("etc/hanzo-node.conf")));
        } catch (UsageException e) {
            System.err.println("hanzo-node: " + e.getMessage());
            System.err.println("Run 'hanzo-node --help' for the list of flags.");
            System.exit(USAGE_ERROR);
            return;
        }
        if (options.action() == Flag.HELP) {
            printHelp(System.out);
            return;
        }
        if (options.action() == Flag.VERSION) {
            System.out.println("hanzo-node " + version());
            return;
        }
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
            System.exit(USAGE_ERROR);
            return;
        }
        try {
            dataDirLock = lockDataDirectory(data);
        } catch (IOException e) {
            System.err.println(
                    "hanzo-node: cannot lock the data directory " + data + ": " + e.getMessage());
            System.exit(USAGE_ERROR);
            return;
        }
        if (dataDirLock == null) {
            System.err.println(
                    "hanzo-node: another node is already running with the data directory "
                            + data
                            + " (give this one its own --data-dir / HANZO_DATA_DIR)");
            System.exit(USAGE_ERROR);
            return;
        }
        properties.forEach(System::setProperty);
        System.setProperty("hanzo.version", version());
        // the data-dir lock above is the one that matters: Karaf's own lock sits in the shared home
        // and would make a second node of the same archive wait silently as an HA standby
        System.setProperty("karaf.lock", "false");
        org.apache.karaf.main.Main.main(new String[0]);
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

    static void printHelp(PrintStream out) {
        out.println("hanzo-node " + version() + ": compute node of the Hanzo network");
        out.println();
        out.println("Usage: hanzo-node [flags]");
        out.println();
        out.println(
                "Each setting comes from its flag, else its environment variable, else etc/hanzo-node.conf,");
        out.println("else the default.");
        out.println();
        for (Flag flag : Flag.values()) {
            String name =
                    flag.flag
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
