package ai.hanzo.node.launcher;

/** The node's command-line flags, each with the environment variable that sets it too. */
enum Flag {
    NODE_ID(
            "--node-id",
            "HANZO_NODE_ID",
            Kind.VALUE,
            "",
            "Node id; persisted in the data dir (default: a random UUID on first start)"),
    GRPC_ADDR(
            "--grpc-addr",
            "HANZO_GRPC_ADDR",
            Kind.VALUE,
            "127.0.0.1:50051",
            "gRPC listen address host:port"),
    HTTP_ADDR(
            "--http-addr",
            "HANZO_HTTP_ADDR",
            Kind.VALUE,
            "127.0.0.1:8080",
            "HTTP listen address host:port (health, metrics)"),
    P2P_ADDR(
            "--p2p-addr",
            "HANZO_P2P_ADDR",
            Kind.VALUE,
            "/ip4/0.0.0.0/tcp/9000",
            "libp2p listen multiaddr"),
    DATA_DIR(
            "--data-dir",
            "HANZO_DATA_DIR",
            Kind.VALUE,
            "./data",
            "Directory for node state, logs and caches"),
    MDNS(
            "--mdns",
            "HANZO_MDNS",
            Kind.SWITCH,
            "true",
            "Discover peers on the local network with mDNS (--mdns=false to turn off)"),
    NETWORK_ID(
            "--network-id",
            "HANZO_NETWORK_ID",
            Kind.VALUE,
            "",
            "Hanzo network to join, e.g. hanzo-mainnet"),
    BOOTSTRAP(
            "--bootstrap",
            "HANZO_BOOTSTRAP",
            Kind.REPEATABLE,
            "",
            "Bootstrap peer multiaddr; repeat the flag, or comma-separate in the env var"),
    OPERATOR(
            "--operator",
            "HANZO_OPERATOR",
            Kind.VALUE,
            "",
            "Operator EVM address (0x followed by 40 hex digits)"),
    MLX(
            "--mlx",
            "HANZO_MLX",
            Kind.SWITCH,
            "false",
            "Enable the MLX accelerator (macOS on Apple silicon only)"),
    LOG_LEVEL(
            "--log-level",
            "HANZO_LOG_LEVEL",
            Kind.VALUE,
            "info",
            "Log level: error, warn, info, debug or trace"),
    RESET_STORE(
            "--reset-store",
            "HANZO_RESET_STORE",
            Kind.SWITCH,
            "false",
            "Move the node's store aside and start with an empty one"),
    CONSOLE(
            "--console",
            "HANZO_CONSOLE",
            Kind.SWITCH,
            "false",
            "Run Karaf's console with the hanzo:* commands on this terminal"),
    HELP("--help", "-h", "", Kind.ACTION, "", "Print this help and exit"),
    VERSION("--version", "-V", "", Kind.ACTION, "", "Print the version and exit");

    /** How a flag takes its value. */
    enum Kind {
        /** {@code --flag value} or {@code --flag=value}. */
        VALUE,
        /** Like VALUE, may be given several times. */
        REPEATABLE,
        /** {@code --flag} alone means true; {@code --flag=false} is allowed. */
        SWITCH,
        /** Does something instead of starting the node. */
        ACTION
    }

    final String flag;
    // picocli's standard short names for help and version (-h, -V); empty for the settings
    final String shortFlag;
    final String env;
    final Kind kind;
    final String defaultValue;
    final String description;

    Flag(String flag, String env, Kind kind, String defaultValue, String description) {
        this(flag, "", env, kind, defaultValue, description);
    }

    Flag(
            String flag,
            String shortFlag,
            String env,
            Kind kind,
            String defaultValue,
            String description) {
        this.flag = flag;
        this.shortFlag = shortFlag;
        this.env = env;
        this.kind = kind;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    static Flag byName(String name) {
        for (Flag candidate : values()) {
            if (candidate.flag.equals(name)) {
                return candidate;
            }
        }
        return null;
    }
}
