package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.SingleThreadIoEventLoop;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.internal.logging.InternalLoggerFactory;
import io.grpc.netty.shaded.io.netty.util.internal.logging.JdkLoggerFactory;
import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The channel to the node, with the API key attached to every call. The address comes from {@code
 * --grpc-addr}, else {@code HANZO_GRPC_ADDR}, else the client config file, else {@code
 * etc/hanzo-node.conf}, else {@code 127.0.0.1:50051}; the key from {@code HANZO_API_KEY}, else the
 * config file's {@code api-key} / {@code api-key-file}, else the local node's {@code
 * <data-dir>/admin.key}. The key is never printed.
 */
final class NodeConnection implements AutoCloseable {
    static {
        // a client that lives for one command: Netty's NIO transport instead of unpacking and
        // loading its epoll library each run, and none of its Flight Recorder events
        System.setProperty(
                "io.grpc.netty.shaded.io.netty.transport.noNative",
                System.getProperty("io.grpc.netty.shaded.io.netty.transport.noNative", "true"));
        System.setProperty(
                "io.grpc.netty.shaded.io.netty.jfr.enabled",
                System.getProperty("io.grpc.netty.shaded.io.netty.jfr.enabled", "false"));
        // java.util.logging straight away: Netty otherwise looks for SLF4J, Log4j 2 and Log4j
        // first, loading classes from its jar for each
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
    }

    static final String DEFAULT_ADDRESS = "127.0.0.1:50051";
    private static final Metadata.Key<String> API_KEY =
            Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);

    // an event loop made ahead by the warm-up, for the next connection (guarded by the class)
    private static EventLoopGroup prepared;

    private final ManagedChannel managed;
    private final EventLoopGroup group;
    private final Channel channel;
    private final String address;
    private final String keySource;
    private final long timeoutSeconds;

    private NodeConnection(
            ManagedChannel managed,
            EventLoopGroup group,
            String address,
            String key,
            String keySource,
            long timeout) {
        this.managed = managed;
        this.group = group;
        this.address = address;
        this.keySource = keySource;
        this.timeoutSeconds = timeout;
        this.channel =
                key == null ? managed : ClientInterceptors.intercept(managed, new KeyHeader(key));
    }

    /**
     * @param options the command's connection flags
     * @param context the launcher's settings and environment
     * @return a connection (channels connect lazily: nothing is sent yet)
     * @throws CliException if a setting or file is wrong
     */
    static NodeConnection open(ConnectionOptions options, ClientContext context)
            throws CliException {
        // before any gRPC class: the head start may be initialising them
        ChannelWarmUp.await();
        Map<String, String> env = context.env();
        Properties config = clientConfig(options, env);
        String address =
                first(
                        options.grpcAddress,
                        context.rootGrpcAddress(),
                        env.get("HANZO_GRPC_ADDR"),
                        config.getProperty("grpc-addr"),
                        context.conf().get("HANZO_GRPC_ADDR"),
                        DEFAULT_ADDRESS);
        InetSocketAddress target = dialable(address);
        Path dataDir =
                options.dataDirectory != null
                        ? options.dataDirectory.toAbsolutePath().normalize()
                        : context.dataDirectory();
        String key = null;
        String keySource = "none";
        if (notBlank(env.get("HANZO_API_KEY"))) {
            key = env.get("HANZO_API_KEY").trim();
            keySource = "HANZO_API_KEY";
        } else if (notBlank(config.getProperty("api-key"))) {
            key = config.getProperty("api-key").trim();
            keySource = "the client config's api-key";
        } else if (notBlank(config.getProperty("api-key-file"))) {
            Path file = Path.of(config.getProperty("api-key-file").trim());
            key = readKey(file);
            keySource = file.toString();
        } else {
            Path admin = dataDir.resolve("admin.key");
            if (Files.isReadable(admin)) {
                key = readKey(admin);
                keySource = admin.toString();
            }
        }
        Path ca = options.tlsCa != null ? options.tlsCa : path(config.getProperty("tls-ca"));
        Path cert =
                options.tlsCert != null ? options.tlsCert : path(config.getProperty("tls-cert"));
        Path tlsKey = options.tlsKey != null ? options.tlsKey : path(config.getProperty("tls-key"));
        boolean tls =
                options.tls
                        || "true".equalsIgnoreCase(config.getProperty("tls", ""))
                        || ca != null
                        || cert != null
                        || tlsKey != null;
        ChannelCredentials credentials;
        if (tls) {
            if ((cert == null) != (tlsKey == null)) {
                throw new CliException(
                        ExitCode.USAGE,
                        "--tls-cert and --tls-key go together: give both or neither");
            }
            TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
            try {
                if (ca != null) {
                    builder.trustManager(ca.toFile());
                }
                if (cert != null) {
                    builder.keyManager(cert.toFile(), tlsKey.toFile());
                }
            } catch (IOException e) {
                throw new CliException(
                        ExitCode.USAGE, "cannot read the TLS files: " + e.getMessage());
            }
            credentials = builder.build();
        } else {
            credentials = InsecureChannelCredentials.create();
        }
        EventLoopGroup group = takeEventLoop();
        ManagedChannel channel = channelBuilder(target, credentials, group).build();
        return new NodeConnection(channel, group, address, key, keySource, options.timeoutSeconds);
    }

    /**
     * @return a builder of a channel straight to the address (no name-resolver plugin) and without
     *     retry buffering, which a one-shot client has no use for
     */
    static NettyChannelBuilder channelBuilder(
            InetSocketAddress target, ChannelCredentials credentials, EventLoopGroup group) {
        return NettyChannelBuilder.forAddress(target, credentials)
                .disableRetry()
                .eventLoopGroup(group)
                .channelType(NioSocketChannel.class);
    }

    /**
     * @return an event loop of one daemon thread for one connection, which stops it when it closes
     *     (commands that run side by side in one JVM, as in the tests, each have their own)
     */
    static synchronized EventLoopGroup takeEventLoop() {
        EventLoopGroup group = prepared;
        prepared = null;
        return group != null ? group : newEventLoop();
    }

    /**
     * Makes the event loop that the next connection takes.
     *
     * @return it
     */
    static synchronized EventLoopGroup prepareEventLoop() {
        if (prepared == null) {
            prepared = newEventLoop();
        }
        return prepared;
    }

    // one event loop, not a group of one: a group's termination notifies its listener through
    // Netty's GlobalEventExecutor, whose thread is not a daemon and lives on for a second
    private static EventLoopGroup newEventLoop() {
        return new SingleThreadIoEventLoop(
                null, new DefaultThreadFactory("hanzo-cli-grpc", true), NioIoHandler.newFactory());
    }

    // a node listening on every address is reached on loopback
    private static InetSocketAddress dialable(String address) throws CliException {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new CliException(
                    ExitCode.USAGE,
                    "invalid --grpc-addr '"
                            + address
                            + "': expected host:port, e.g. "
                            + DEFAULT_ADDRESS);
        }
        String host = address.substring(0, colon);
        String port = address.substring(colon + 1);
        try {
            int number = Integer.parseInt(port);
            if (number < 1 || number > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new CliException(
                    ExitCode.USAGE,
                    "invalid --grpc-addr '" + address + "': port '" + port + "' is not 1-65535");
        }
        if (host.equals("0.0.0.0")) {
            host = "127.0.0.1";
        } else if (host.equals("[::]")) {
            host = "::1";
        } else if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        // an unknown host name stays unresolved: the call then fails as unreachable (exit 3)
        return new InetSocketAddress(host, Integer.parseInt(port));
    }

    private static Properties clientConfig(ConnectionOptions options, Map<String, String> env)
            throws CliException {
        Path file = options.config;
        boolean explicit = file != null;
        if (file == null && notBlank(env.get("HANZO_CLI_CONFIG"))) {
            file = Path.of(env.get("HANZO_CLI_CONFIG"));
            explicit = true;
        }
        if (file == null) {
            String base = env.get("XDG_CONFIG_HOME");
            if (!notBlank(base)) {
                String home = env.getOrDefault("HOME", System.getProperty("user.home"));
                base = home + "/.config";
            }
            file = Path.of(base, "hanzo-node", "cli.conf");
        }
        Properties properties = new Properties();
        if (!Files.isRegularFile(file)) {
            if (explicit) {
                throw new CliException(ExitCode.USAGE, "client config file " + file + " not found");
            }
            return properties;
        }
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new CliException(
                    ExitCode.USAGE, "cannot read client config " + file + ": " + e.getMessage());
        }
        return properties;
    }

    private static String readKey(Path file) throws CliException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new CliException(
                    ExitCode.UNAUTHENTICATED, "cannot read the API key in " + file + ": " + e);
        }
    }

    private static Path path(String value) {
        return notBlank(value) ? Path.of(value.trim()) : null;
    }

    private static boolean notBlank(String value) {
        return value != null && !value.isBlank();
    }

    private static String first(String... values) {
        for (String value : values) {
            if (notBlank(value)) {
                return value.trim();
            }
        }
        return DEFAULT_ADDRESS;
    }

    /**
     * @return the channel, with the API key attached
     */
    Channel channel() {
        return channel;
    }

    /**
     * @return the address as configured, for messages
     */
    String address() {
        return address;
    }

    long timeoutSeconds() {
        return timeoutSeconds;
    }

    /**
     * @param e what a call failed with
     * @return the failure as the operator should read it, with its exit code
     */
    CliException failure(StatusRuntimeException e) {
        String description = e.getStatus().getDescription();
        String detail = description == null ? e.getStatus().getCode().toString() : description;
        return switch (e.getStatus().getCode()) {
            case UNAVAILABLE ->
                    new CliException(
                            ExitCode.UNREACHABLE,
                            "cannot reach the node at "
                                    + address
                                    + ": "
                                    + detail
                                    + " (is it running? set --grpc-addr or HANZO_GRPC_ADDR)");
            case DEADLINE_EXCEEDED ->
                    new CliException(
                            ExitCode.UNREACHABLE,
                            "the node at "
                                    + address
                                    + " did not answer within "
                                    + timeoutSeconds
                                    + " s (--timeout)");
            case UNAUTHENTICATED ->
                    new CliException(
                            ExitCode.UNAUTHENTICATED,
                            "the node refused the API key ("
                                    + (keySource.equals("none")
                                            ? "no key found"
                                            : "key from " + keySource)
                                    + "): "
                                    + detail
                                    + ". Set HANZO_API_KEY, api-key in the client config, or"
                                    + " --data-dir of a local node");
            default -> new CliException(ExitCode.of(e.getStatus().getCode()), detail);
        };
    }

    /**
     * Closes the channel, then stops the event loop's thread. A JVM that exits while a thread of
     * its own sits in a native call (the event loop's epoll_wait) waits up to 300 ms for it before
     * it ends (HotSpot's VM_Exit::wait_for_threads_in_native_to_block); gRPC's shared event loop
     * lives on for a second after its last channel closes, so every command paid those 300 ms. This
     * connection's own event loop ends here.
     */
    @Override
    public void close() {
        managed.shutdownNow();
        try {
            managed.awaitTermination(2, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends the API key with every call. */
    private static final class KeyHeader implements ClientInterceptor {
        private final String key;

        KeyHeader(String key) {
            this.key = key;
        }

        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(
                MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(
                    next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    headers.put(API_KEY, key);
                    super.start(listener, headers);
                }
            };
        }
    }
}
