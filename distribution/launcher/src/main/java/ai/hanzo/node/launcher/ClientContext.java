package ai.hanzo.node.launcher;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a client command needs from the launcher: the node's settings as the command line, the
 * environment and {@code etc/hanzo-node.conf} give them, and the process environment. Filled in
 * after parsing, before the command runs.
 */
public final class ClientContext {
    private volatile Path dataDirectory = Path.of("data").toAbsolutePath();
    private volatile Map<String, String> env = Map.of();
    private volatile Map<String, String> conf = Map.of();
    private volatile String rootGrpcAddress = "";

    ClientContext() {}

    void set(
            Path dataDirectory,
            Map<String, String> env,
            Map<String, String> conf,
            String rootGrpc) {
        this.dataDirectory = dataDirectory;
        this.env = Map.copyOf(env);
        this.conf = Map.copyOf(conf);
        this.rootGrpcAddress = rootGrpc;
    }

    /**
     * @return the node's data directory: {@code --data-dir} before the command, else {@code
     *     HANZO_DATA_DIR}, else {@code etc/hanzo-node.conf}, else {@code ./data}; absolute
     */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /**
     * @return the process environment
     */
    public Map<String, String> env() {
        return env;
    }

    /**
     * @return the settings of {@code etc/hanzo-node.conf}, keyed by environment variable name
     */
    public Map<String, String> conf() {
        return conf;
    }

    /**
     * @return {@code --grpc-addr} given before the command, or empty
     */
    public String rootGrpcAddress() {
        return rootGrpcAddress;
    }
}
