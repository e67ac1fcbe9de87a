package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.api.inference.InferenceEngine;
import ai.hanzo.node.api.inference.InferenceService;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeState;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.util.MutableHandlerRegistry;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
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
 * stay on loopback unless the operator says otherwise), serves the node's services behind API-key
 * authentication, and mirrors the node state into {@code grpc.health.v1}: SERVING only while the
 * node is READY.
 */
@Component(immediate = true, configurationPid = "ai.hanzo.node.rpc")
@Designate(ocd = RpcConfiguration.class)
public final class GrpcServer {
    private static final String NODE_SERVICE = NodeServiceGrpc.SERVICE_NAME;

    private final Logger logger = LoggerFactory.getLogger(GrpcServer.class);
    private final NodeLifecycle lifecycle;
    private final HealthStatusManager health = new HealthStatusManager();
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Server server;
    private final Subscription stateListener;
    private final int shutdownGraceSeconds;

    private final List<InferenceService> inference = new CopyOnWriteArrayList<>();
    private final List<StakingService> staking = new CopyOnWriteArrayList<>();
    private final List<InferenceEngine> mlxEngines = new CopyOnWriteArrayList<>();
    // services from other components (GrpcService), added to and removed from the running server
    private final MutableHandlerRegistry dynamicServices = new MutableHandlerRegistry();
    private final Map<GrpcService, ServerServiceDefinition> bound = new ConcurrentHashMap<>();
    private volatile AuthInterceptor auth;

    /**
     * @param context the bundle context, for the listen address
     * @param lifecycle the node
     * @param configuration the server configuration
     * @throws IOException if the address cannot be bound
     */
    @Activate
    public GrpcServer(
            BundleContext context,
            @Reference NodeLifecycle lifecycle,
            RpcConfiguration configuration)
            throws IOException {
        this.lifecycle = lifecycle;
        this.shutdownGraceSeconds = Math.max(0, configuration.shutdownGraceSeconds());
        String configured =
                Optional.ofNullable(context.getProperty("hanzo.grpc.addr"))
                        .orElse("127.0.0.1:50051");
        ListenAddress address = ListenAddress.parse(configured, "--grpc-addr");
        Path dataDirectory = lifecycle.info().dataDirectory();
        ApiKeys keys = ApiKeys.loadOrCreate(dataDirectory);
        auth =
                new AuthInterceptor(
                        keys,
                        "the admin key is in " + dataDirectory.resolve(ApiKeys.ADMIN_KEY_FILE));

        NodeGrpcService nodeService =
                new NodeGrpcService(
                        lifecycle,
                        () -> inference.stream().findFirst(),
                        () -> staking.stream().findFirst(),
                        () -> !mlxEngines.isEmpty());
        boss =
                new MultiThreadIoEventLoopGroup(
                        1,
                        new DefaultThreadFactory("hanzo-grpc-boss", true),
                        NioIoHandler.newFactory());
        workers =
                new MultiThreadIoEventLoopGroup(
                        0, new DefaultThreadFactory("hanzo-grpc", true), NioIoHandler.newFactory());
        NettyServerBuilder builder =
                NettyServerBuilder.forAddress(address.toSocketAddress())
                        .channelType(NioServerSocketChannel.class)
                        .bossEventLoopGroup(boss)
                        .workerEventLoopGroup(workers)
                        .maxInboundMessageSize(configuration.maxInboundMessageBytes())
                        .addService(ServerInterceptors.intercept(nodeService, auth))
                        .addService(ServerInterceptors.intercept(health.getHealthService(), auth))
                        .fallbackHandlerRegistry(dynamicServices);
        bound.replaceAll(
                (service, definition) -> {
                    ServerServiceDefinition intercepted =
                            ServerInterceptors.intercept(service, auth);
                    dynamicServices.addService(intercepted);
                    return intercepted;
                });
        if (configuration.reflection()) {
            builder.addService(
                    ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), auth));
        }
        server = builder.build();
        try {
            server.start();
        } catch (IOException e) {
            shutdownEventLoops();
            String why =
                    e instanceof BindException || e.getCause() instanceof BindException
                            ? "the address is in use or not local to this machine"
                            : e.toString();
            throw new FailedPreconditionException(
                    "gRPC cannot listen on "
                            + address
                            + ": "
                            + why
                            + "; choose another --grpc-addr / HANZO_GRPC_ADDR",
                    e);
        }
        logger.info(
                "gRPC listening on {} (health, reflection{}, API-key auth for everything else)",
                address,
                configuration.reflection() ? "" : " off");
        applyState(lifecycle.state());
        stateListener = lifecycle.onStateChange(change -> applyState(change.to()));
    }

    private void applyState(NodeState state) {
        ServingStatus status =
                state == NodeState.READY ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
        health.setStatus("", status);
        health.setStatus(NODE_SERVICE, status);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        stateListener.close();
        health.enterTerminalState();
        server.shutdown();
        if (!server.awaitTermination(shutdownGraceSeconds, TimeUnit.SECONDS)) {
            server.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        }
        shutdownEventLoops();
        logger.info("gRPC server stopped");
    }

    private void shutdownEventLoops() {
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindInference(InferenceService service) {
        inference.add(service);
    }

    void unbindInference(InferenceService service) {
        inference.remove(service);
    }

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindGrpcService(GrpcService service) {
        AuthInterceptor interceptor = auth;
        if (interceptor == null) {
            // bound before the constructor finished: added when the server is built
            bound.put(service, service.bindService());
            return;
        }
        ServerServiceDefinition definition = ServerInterceptors.intercept(service, interceptor);
        bound.put(service, definition);
        dynamicServices.addService(definition);
    }

    void unbindGrpcService(GrpcService service) {
        ServerServiceDefinition definition = bound.remove(service);
        if (definition != null) {
            dynamicServices.removeService(definition);
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindStaking(StakingService service) {
        staking.add(service);
    }

    void unbindStaking(StakingService service) {
        staking.remove(service);
    }

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY,
            target = "(" + InferenceEngine.NAME_PROPERTY + "=mlx)")
    void bindMlxEngine(InferenceEngine engine) {
        mlxEngines.add(engine);
    }

    void unbindMlxEngine(InferenceEngine engine) {
        mlxEngines.remove(engine);
    }
}
