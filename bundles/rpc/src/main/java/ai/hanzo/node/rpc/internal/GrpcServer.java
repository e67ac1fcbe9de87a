package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.api.compute.Orchestrator;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.node.CallMetrics;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeProfile;
import ai.hanzo.node.api.node.NodeRegistry;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.node.NodeState;
import ai.hanzo.node.api.store.NodeStore;
import ai.hanzo.node.proto.v1.InferenceServiceGrpc;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import ai.hanzo.node.proto.v1.OperatorServiceGrpc;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.util.MutableHandlerRegistry;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's gRPC server. Binds {@code hanzo.grpc.addr} (default 127.0.0.1:50051: control listeners
 * stay on loopback unless the operator says otherwise), plaintext or TLS/mTLS from PEM files, and
 * serves every service behind call metrics and authentication (API keys, JWTs). Services come and
 * go on the running server: {@link GrpcService} components are added when they register and removed
 * when they leave; a known service without an implementation answers UNIMPLEMENTED with a message
 * that says what is missing. {@code grpc.health.v1} says SERVING for a service only while it is
 * there and the node is READY.
 */
@Component(immediate = true, configurationPid = "ai.hanzo.node.rpc")
@Designate(ocd = RpcConfiguration.class)
public final class GrpcServer {
    private static final Map<String, String> OPTIONAL_SERVICES =
            Map.of(
                    InferenceServiceGrpc.SERVICE_NAME,
                    "no InferenceService is running (start the inference bundle)",
                    OperatorServiceGrpc.SERVICE_NAME,
                    "no StakingService is running (start the chain bundle)");

    private final Logger logger = LoggerFactory.getLogger(GrpcServer.class);
    private final NodeLifecycle lifecycle;
    private final HealthStatusManager health = new HealthStatusManager();
    private final MutableHandlerRegistry registry = new MutableHandlerRegistry();
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ThreadPoolExecutor callExecutor;
    private final ThreadPoolExecutor streamSendExecutor;
    private final ConnectionLimit connectionLimit;
    private final ConnectionLog connectionLog = new ConnectionLog();
    private final Server server;
    private final Subscription stateListener;
    private final ScheduledFuture<?> keyReloader;
    private final int shutdownGraceSeconds;
    private final ServerInterceptor[] interceptors;
    private final Map<Object, String> dynamicServices = new ConcurrentHashMap<>();
    private final Runnable withdrawRegistry;

    private volatile Orchestrator orchestrator;
    private volatile EventBus eventBus;
    private volatile StakingService staking;
    private volatile NodeStore store;
    private volatile CallMetrics callMetrics;

    /**
     * @param context the bundle context, for the listen address and to register the node registry
     * @param lifecycle the node
     * @param scheduler the node's scheduler
     * @param profile the node's capabilities and metrics
     * @param configuration the server configuration
     * @throws IOException if the key files cannot be read or the address cannot be bound
     */
    @Activate
    public GrpcServer(
            BundleContext context,
            @Reference NodeLifecycle lifecycle,
            @Reference NodeScheduler scheduler,
            @Reference NodeProfile profile,
            RpcConfiguration configuration)
            throws IOException {
        this(
                Optional.ofNullable(context.getProperty("hanzo.grpc.addr"))
                        .orElse("127.0.0.1:50051"),
                lifecycle,
                scheduler,
                profile,
                configuration,
                nodeRegistry -> {
                    ServiceRegistration<NodeRegistry> registration =
                            context.registerService(NodeRegistry.class, nodeRegistry, null);
                    return registration::unregister;
                });
    }

    /**
     * @param configured the listen address
     * @param lifecycle the node
     * @param scheduler the node's scheduler
     * @param profile the node's capabilities and metrics
     * @param configuration the server configuration
     * @param publishRegistry offers the node registry to other bundles; returns how to withdraw it
     * @throws IOException if the key files cannot be read or the address cannot be bound
     */
    GrpcServer(
            String configured,
            NodeLifecycle lifecycle,
            NodeScheduler scheduler,
            NodeProfile profile,
            RpcConfiguration configuration,
            Function<NodeRegistry, Runnable> publishRegistry)
            throws IOException {
        this.lifecycle = lifecycle;
        this.shutdownGraceSeconds = Math.max(0, configuration.shutdownGraceSeconds());
        ListenAddress address = ListenAddress.parse(configured, "--grpc-addr");
        Path dataDirectory = lifecycle.info().dataDirectory();
        ApiKeys keys = ApiKeys.loadOrCreate(dataDirectory);
        JwtVerifier jwt = jwtVerifier(configuration, dataDirectory);
        AuthInterceptor auth =
                new AuthInterceptor(
                        keys,
                        () -> jwt,
                        "the admin key is in "
                                + dataDirectory.resolve(ApiKeys.ADMIN_KEY_FILE)
                                + "; 'hanzo-node keys create' makes more");
        // first in the list runs last: metrics see every outcome, auth runs before the service
        interceptors =
                new ServerInterceptor[] {auth, new CallMetricsInterceptor(() -> callMetrics)};
        // key files edited by 'hanzo-node keys' while the node runs apply within half a second
        keyReloader =
                scheduler.scheduleWithFixedDelay(
                        "API key reload",
                        keys::reload,
                        Duration.ofMillis(500),
                        Duration.ofMillis(500));

        NodeRegistryService nodeRegistry =
                new NodeRegistryService(
                        () -> Optional.ofNullable(store),
                        lifecycle.info().nodeId(),
                        Clock.systemUTC());
        // Batched GetLogs streams send from here (BatchingStreamSender): at most one short drain
        // task per open stream is queued, so the queue is bounded by the streams the server admits.
        AtomicInteger sendThreadNumber = new AtomicInteger();
        streamSendExecutor =
                new ThreadPoolExecutor(
                        2,
                        2,
                        30,
                        TimeUnit.SECONDS,
                        new java.util.concurrent.LinkedBlockingQueue<>(),
                        r -> {
                            Thread t =
                                    new Thread(
                                            r,
                                            "hanzo-grpc-send-"
                                                    + sendThreadNumber.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
        streamSendExecutor.allowCoreThreadTimeOut(true);
        // Calls run on this bounded pool, not gRPC's default unbounded cached pool: a flood of
        // calls
        // queues up to callQueue and is then refused, instead of growing threads without limit;
        // and it is apart from the NodeScheduler's workers, so calls never starve the node's own
        // tasks.
        AtomicInteger threadNumber = new AtomicInteger();
        callExecutor =
                new ThreadPoolExecutor(
                        Math.max(1, configuration.callThreads()),
                        Math.max(1, configuration.callThreads()),
                        30,
                        TimeUnit.SECONDS,
                        new ArrayBlockingQueue<>(Math.max(1, configuration.callQueue())),
                        r -> {
                            Thread t =
                                    new Thread(
                                            r, "hanzo-grpc-call-" + threadNumber.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
        callExecutor.allowCoreThreadTimeOut(true);
        HealthCache healthCache =
                new HealthCache(lifecycle, scheduler, () -> Optional.ofNullable(staking));
        DeploymentRpcs deploymentRpcs =
                new DeploymentRpcs(
                        () -> Optional.ofNullable(orchestrator), streamSendExecutor, callExecutor);
        NodeGrpcService nodeService =
                new NodeGrpcService(
                        lifecycle,
                        profile,
                        scheduler,
                        healthCache,
                        () -> Optional.ofNullable(eventBus),
                        nodeRegistry,
                        deploymentRpcs);
        registry.addService(
                intercept(
                        ServerInterceptors.intercept(
                                nodeService, new RegistrationProofInterceptor())));
        registry.addService(intercept(health.getHealthService()));
        OPTIONAL_SERVICES.forEach((name, why) -> registry.addService(intercept(absent(name, why))));

        connectionLimit =
                new ConnectionLimit(
                        configuration.maxConnections(),
                        Math.max(1, configuration.handshakeTimeoutSeconds()) * 1000L);
        boss =
                new MultiThreadIoEventLoopGroup(
                        1,
                        new DefaultThreadFactory("hanzo-grpc-boss", true),
                        NioIoHandler.newFactory());
        workers =
                new MultiThreadIoEventLoopGroup(
                        0, new DefaultThreadFactory("hanzo-grpc", true), NioIoHandler.newFactory());
        InetSocketAddress socketAddress = address.toSocketAddress();
        NettyServerBuilder builder =
                NettyServerBuilder.forAddress(socketAddress)
                        .channelFactory(connectionLimit::newServerChannel)
                        .bossEventLoopGroup(boss)
                        .workerEventLoopGroup(workers)
                        // grpc-java runs each call's first step (method lookup and asking
                        // InlineCheapCalls) on this executor, whatever the supplier then picks:
                        // with the pool here, an inline call still went through the pool once,
                        // and its handler ran there whenever its request had come in by then
                        .directExecutor()
                        .callExecutor(
                                new InlineCheapCalls(callExecutor, deploymentRpcs::statusesAtHand))
                        .fallbackHandlerRegistry(registry)
                        .maxInboundMessageSize(configuration.maxInboundMessageBytes())
                        .maxInboundMetadataSize(configuration.maxInboundMetadataBytes())
                        .handshakeTimeout(
                                Math.max(1, configuration.handshakeTimeoutSeconds()),
                                TimeUnit.SECONDS)
                        .maxConcurrentCallsPerConnection(
                                Math.max(1, configuration.maxConcurrentCallsPerConnection()))
                        .keepAliveTime(
                                Math.max(10, configuration.keepAliveTimeSeconds()),
                                TimeUnit.SECONDS)
                        .keepAliveTimeout(
                                Math.max(1, configuration.keepAliveTimeoutSeconds()),
                                TimeUnit.SECONDS)
                        .permitKeepAliveTime(
                                Math.max(1, configuration.permitKeepAliveTimeSeconds()),
                                TimeUnit.SECONDS)
                        .maxConnectionIdle(
                                Math.max(1, configuration.maxConnectionIdleSeconds()),
                                TimeUnit.SECONDS);
        if (configuration.maxConnectionAgeSeconds() > 0) {
            builder.maxConnectionAge(configuration.maxConnectionAgeSeconds(), TimeUnit.SECONDS)
                    .maxConnectionAgeGrace(
                            Math.max(0, configuration.maxConnectionAgeGraceSeconds()),
                            TimeUnit.SECONDS);
        }
        String transport = tls(builder, configuration, dataDirectory);
        if (configuration.reflection()) {
            registry.addService(intercept(ProtoReflectionServiceV1.newInstance()));
        }
        server = builder.build();
        try {
            server.start();
        } catch (IOException e) {
            shutdownThreads();
            connectionLog.close();
            keyReloader.cancel(false);
            String why =
                    e instanceof BindException || e.getCause() instanceof BindException
                            ? "the address is in use or not local to this machine"
                            : e.getMessage();
            throw new FailedPreconditionException(
                    "gRPC cannot listen on "
                            + address
                            + ": "
                            + why
                            + "; choose another --grpc-addr / HANZO_GRPC_ADDR",
                    e);
        }
        logger.info(
                "gRPC listening on {} ({}; health, reflection{}; API keys{} for everything else)",
                listenAddress(address),
                transport,
                configuration.reflection() ? "" : " off",
                jwt.configured() ? " and JWTs" : "");
        applyState(lifecycle.state());
        stateListener = lifecycle.onStateChange(change -> applyState(change.to()));
        withdrawRegistry = publishRegistry.apply(nodeRegistry);
    }

    private String listenAddress(ListenAddress configured) {
        return server.getListenSockets().stream()
                .findFirst()
                .map(
                        a ->
                                a instanceof InetSocketAddress inet
                                        ? new ListenAddress(configured.host(), inet.getPort())
                                                .toString()
                                        : a.toString())
                .orElse(configured.toString());
    }

    /**
     * @return the port the server listens on (the configured one, or the one the system chose for
     *     port 0)
     */
    int port() {
        return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }

    /**
     * @return connections open now
     */
    int openConnections() {
        return connectionLimit.open();
    }

    private ServerServiceDefinition intercept(BindableService service) {
        return intercept(service.bindService());
    }

    private ServerServiceDefinition intercept(ServerServiceDefinition service) {
        return ServerInterceptors.intercept(service, interceptors);
    }

    /**
     * @return a definition of the named service whose every method answers UNIMPLEMENTED with why
     */
    private static ServerServiceDefinition absent(String serviceName, String why) {
        ServiceDescriptor descriptor =
                serviceName.equals(InferenceServiceGrpc.SERVICE_NAME)
                        ? InferenceServiceGrpc.getServiceDescriptor()
                        : OperatorServiceGrpc.getServiceDescriptor();
        ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(descriptor);
        for (MethodDescriptor<?, ?> method : descriptor.getMethods()) {
            addUnimplemented(
                    builder, method, serviceName + " is not available on this node: " + why);
        }
        return builder.build();
    }

    private static <Q, R> void addUnimplemented(
            ServerServiceDefinition.Builder builder, MethodDescriptor<Q, R> method, String why) {
        builder.addMethod(
                method,
                (call, headers) -> {
                    call.close(Status.UNIMPLEMENTED.withDescription(why), new Metadata());
                    return new ServerCall.Listener<>() {};
                });
    }

    private JwtVerifier jwtVerifier(RpcConfiguration configuration, Path dataDirectory)
            throws IOException {
        byte[] secret = null;
        if (!configuration.jwtHmacSecretFile().isBlank()) {
            Path file = dataDirectory.resolve(configuration.jwtHmacSecretFile().trim());
            secret =
                    Files.readString(file)
                            .strip()
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (secret.length < 32) {
                throw new InvalidArgumentException(
                        "the JWT secret in "
                                + file
                                + " is shorter than 32 bytes (HS256 needs 256 bits)");
            }
        }
        List<PublicKey> keys = new ArrayList<>();
        for (String entry : configuration.jwtPublicKeyFiles()) {
            for (String name : entry.split(",")) {
                if (!name.isBlank()) {
                    keys.add(JwtVerifier.readPublicKey(dataDirectory.resolve(name.trim())));
                }
            }
        }
        return new JwtVerifier(
                secret,
                keys,
                configuration.jwtIssuer(),
                configuration.jwtAudience(),
                Clock.systemUTC());
    }

    private static String tls(
            NettyServerBuilder builder, RpcConfiguration configuration, Path dataDirectory)
            throws IOException {
        if (configuration.tlsCertFile().isBlank()) {
            if (!configuration.tlsClientCaFile().isBlank()) {
                throw new InvalidArgumentException(
                        "tlsClientCaFile is set but tlsCertFile is not: mTLS needs TLS");
            }
            return "plaintext";
        }
        if (configuration.tlsKeyFile().isBlank()) {
            throw new InvalidArgumentException("tlsCertFile is set but tlsKeyFile is not");
        }
        Path cert = dataDirectory.resolve(configuration.tlsCertFile().trim());
        Path key = dataDirectory.resolve(configuration.tlsKeyFile().trim());
        ClientAuth clientAuth =
                switch (configuration.tlsClientAuth().trim().toLowerCase(Locale.ROOT)) {
                    case "", "none" -> ClientAuth.NONE;
                    case "optional" -> ClientAuth.OPTIONAL;
                    case "require" -> ClientAuth.REQUIRE;
                    default ->
                            throw new InvalidArgumentException(
                                    "tlsClientAuth '"
                                            + configuration.tlsClientAuth()
                                            + "' is not none, optional or require");
                };
        SslContextBuilder ssl;
        try {
            ssl = GrpcSslContexts.forServer(cert.toFile(), key.toFile());
            if (clientAuth != ClientAuth.NONE) {
                if (configuration.tlsClientCaFile().isBlank()) {
                    throw new InvalidArgumentException(
                            "tlsClientAuth="
                                    + configuration.tlsClientAuth()
                                    + " needs tlsClientCaFile");
                }
                ssl.trustManager(
                                dataDirectory
                                        .resolve(configuration.tlsClientCaFile().trim())
                                        .toFile())
                        .clientAuth(clientAuth);
            }
            builder.sslContext(ssl.build());
        } catch (IllegalArgumentException | javax.net.ssl.SSLException e) {
            throw new InvalidArgumentException(
                    "the TLS files cannot be used ("
                            + cert
                            + ", "
                            + key
                            + "): "
                            + e.getMessage()
                            + "; the key must be PEM PKCS#8");
        }
        return clientAuth == ClientAuth.REQUIRE ? "mTLS" : "TLS";
    }

    private void applyState(NodeState state) {
        boolean ready = state == NodeState.READY;
        health.setStatus("", ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
        health.setStatus(
                NodeServiceGrpc.SERVICE_NAME,
                ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
        for (String name : OPTIONAL_SERVICES.keySet()) {
            health.setStatus(
                    name,
                    ready && dynamicServices.containsValue(name)
                            ? ServingStatus.SERVING
                            : ServingStatus.NOT_SERVING);
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        withdrawRegistry.run();
        keyReloader.cancel(false);
        stateListener.close();
        health.enterTerminalState();
        server.shutdown();
        if (!server.awaitTermination(shutdownGraceSeconds, TimeUnit.SECONDS)) {
            server.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        }
        shutdownThreads();
        connectionLog.close();
        logger.info("gRPC server stopped");
    }

    private void shutdownThreads() {
        callExecutor.shutdownNow();
        streamSendExecutor.shutdownNow();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    // --- services that come and go

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addService(GrpcService service) {
        ServerServiceDefinition definition = service.bindService();
        String name = definition.getServiceDescriptor().getName();
        dynamicServices.put(service, name);
        registry.addService(intercept(definition));
        applyState(lifecycle.state());
        logger.info("gRPC now serves {}", name);
    }

    void removeService(GrpcService service) {
        String name = dynamicServices.remove(service);
        if (name == null) {
            return;
        }
        String why = OPTIONAL_SERVICES.get(name);
        if (why != null) {
            registry.addService(intercept(absent(name, why)));
        } else {
            registry.getServices().stream()
                    .filter(d -> d.getServiceDescriptor().getName().equals(name))
                    .findFirst()
                    .ifPresent(registry::removeService);
        }
        applyState(lifecycle.state());
        logger.info("gRPC no longer serves {}", name);
    }

    /**
     * @return the services served now, by name (for tests and the log)
     */
    Collection<String> serviceNames() {
        return registry.getServices().stream()
                .map(d -> d.getServiceDescriptor().getName())
                .toList();
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setOrchestrator(Orchestrator service) {
        orchestrator = service;
    }

    void unsetOrchestrator(Orchestrator service) {
        if (orchestrator == service) {
            orchestrator = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setEventBus(EventBus service) {
        eventBus = service;
    }

    void unsetEventBus(EventBus service) {
        if (eventBus == service) {
            eventBus = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setStaking(StakingService service) {
        staking = service;
    }

    void unsetStaking(StakingService service) {
        if (staking == service) {
            staking = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setStore(NodeStore service) {
        store = service;
    }

    void unsetStore(NodeStore service) {
        if (store == service) {
            store = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setCallMetrics(CallMetrics service) {
        callMetrics = service;
    }

    void unsetCallMetrics(CallMetrics service) {
        if (callMetrics == service) {
            callMetrics = null;
        }
    }

    /** Hands the RegisterNode proof header to the handler. */
    private static final class RegistrationProofInterceptor implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String proof = headers.get(NodeGrpcService.REGISTRATION_PROOF);
            if (proof == null) {
                return next.startCall(call, headers);
            }
            return Contexts.interceptCall(
                    Context.current().withValue(NodeGrpcService.PROOF, proof), call, headers, next);
        }
    }

    /**
     * Picks each call's executor. Health checks, and GetStatus while its deployment list is at
     * hand, run on the transport's thread: their handlers and the interceptors before them only
     * read cached values (the health reading, the lifecycle, the profile's last sample, the last
     * deployment list, the key table; a stale sample or list is replaced on a worker, never on the
     * caller's thread) and never block, so hand-offs would be most of their cost. GetStatus goes to
     * the pool when its handler would ask the Orchestrator (the first call, a change made through
     * this server, or a list nobody asked for in a while: see {@link
     * DeploymentRpcs#statusesAtHand}). A call with an {@code authorization} header goes to the
     * bounded pool (a JWT's signature check is real work), as does every other RPC.
     *
     * <p>How grpc-java (1.85, {@code ServerImpl.streamCreatedInternal}) uses this: every call gets
     * a {@code SerializingExecutor} over the server's default executor, and its first task ({@code
     * MethodLookup}, which asks this supplier) runs there; a non-null answer replaces the executor,
     * and the tasks after it (starting the call, the request, the half-close) run on the new one.
     * The server's default executor is therefore the direct one: the lookup runs on the transport
     * thread, an inline call stays there from start to end, and every other call moves to the pool
     * once. (With the pool as the default, the lookup always hopped to the pool, and when the
     * request and half-close had arrived by the time it finished, the same pool thread ran them
     * too: {@code SerializingExecutor.run} hands the queue to the new executor by calling it from
     * the thread it is on, and {@code Runnable::run} means "this pool thread".)
     */
    static final class InlineCheapCalls implements ServerCallExecutorSupplier {
        static final Set<String> INLINE_METHODS =
                Set.of("hanzo.node.v1.NodeService/GetHealth", "grpc.health.v1.Health/Check");
        static final String GET_STATUS = "hanzo.node.v1.NodeService/GetStatus";
        private final Executor pool;
        private final BooleanSupplier statusAtHand;

        /**
         * @param pool the bounded pool every call but the cheap ones runs on
         * @param statusAtHand whether GetStatus would answer without asking the Orchestrator
         */
        InlineCheapCalls(Executor pool, BooleanSupplier statusAtHand) {
            this.pool = pool;
            this.statusAtHand = statusAtHand;
        }

        /**
         * @return null (stay on the transport thread) or the pool
         */
        @Override
        public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
            if (headers.containsKey(AuthInterceptor.AUTHORIZATION)) {
                return pool;
            }
            String method = call.getMethodDescriptor().getFullMethodName();
            if (INLINE_METHODS.contains(method)
                    || (GET_STATUS.equals(method) && statusAtHand.getAsBoolean())) {
                return null;
            }
            return pool;
        }
    }
}
