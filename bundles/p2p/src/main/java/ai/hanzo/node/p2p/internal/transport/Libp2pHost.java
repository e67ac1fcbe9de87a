package ai.hanzo.node.p2p.internal.transport;

import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The libp2p switch: listens and dials over TCP, upgrades each connection (multistream-select,
 * Noise, multistream-select, Yamux), keeps one live connection per peer, and routes inbound streams
 * to registered protocol handlers.
 */
public final class Libp2pHost implements AutoCloseable {
    /**
     * Limits and timeouts.
     *
     * @param dialTimeout TCP connect plus upgrade of an outbound connection
     * @param maxConnections established connections (both directions); inbound ones beyond it are
     *     refused, established ones are never closed to make room
     * @param maxStreamsPerConnection concurrent streams a peer may open on one connection
     * @param pendingUpgradeTimeout an inbound connection must finish Noise and Yamux within this
     * @param maxPendingInbound inbound connections still upgrading, in total
     * @param maxPendingPerAddress inbound connections still upgrading, per remote IP address
     * @param maxConnectionsPerAddress established inbound connections per remote IP address
     * @param newConnectionsPerAddressPerSecond accepted inbound connections per remote IP address
     *     and second (bursts of twice that)
     * @param allow IP addresses, CIDR blocks or peer ids always accepted and exempt from the limits
     * @param deny IP addresses, CIDR blocks or peer ids always refused
     */
    public record Limits(
            Duration dialTimeout,
            int maxConnections,
            int maxStreamsPerConnection,
            Duration pendingUpgradeTimeout,
            int maxPendingInbound,
            int maxPendingPerAddress,
            int maxConnectionsPerAddress,
            double newConnectionsPerAddressPerSecond,
            List<String> allow,
            List<String> deny) {
        /** Checks the values and copies the lists. */
        public Limits {
            if (maxConnections < 1
                    || maxStreamsPerConnection < 1
                    || maxPendingInbound < 1
                    || maxPendingPerAddress < 1
                    || maxConnectionsPerAddress < 1
                    || !(newConnectionsPerAddressPerSecond > 0)) {
                throw new IllegalArgumentException("connection limits must be positive: " + this);
            }
            if (dialTimeout.isNegative()
                    || dialTimeout.isZero()
                    || pendingUpgradeTimeout.isNegative()
                    || pendingUpgradeTimeout.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
            allow = List.copyOf(allow);
            deny = List.copyOf(deny);
        }

        /** The defaults with other dial timeout and connection/stream limits. */
        public Limits(Duration dialTimeout, int maxConnections, int maxStreamsPerConnection) {
            this(
                    dialTimeout,
                    maxConnections,
                    maxStreamsPerConnection,
                    Duration.ofSeconds(5),
                    64,
                    8,
                    16,
                    10,
                    List.of(),
                    List.of());
        }

        /** Sensible defaults for a node. */
        public static Limits defaults() {
            return new Limits(Duration.ofSeconds(10), 256, 512);
        }

        /** These limits with other pending-connection limits. */
        public Limits withPending(Duration upgradeTimeout, int total, int perAddress) {
            return new Limits(
                    dialTimeout,
                    maxConnections,
                    maxStreamsPerConnection,
                    upgradeTimeout,
                    total,
                    perAddress,
                    maxConnectionsPerAddress,
                    newConnectionsPerAddressPerSecond,
                    allow,
                    deny);
        }

        /** These limits with other per-address limits. */
        public Limits withPerAddress(int connections, double newPerSecond) {
            return new Limits(
                    dialTimeout,
                    maxConnections,
                    maxStreamsPerConnection,
                    pendingUpgradeTimeout,
                    maxPendingInbound,
                    maxPendingPerAddress,
                    connections,
                    newPerSecond,
                    allow,
                    deny);
        }

        /** These limits with other allow and deny lists. */
        public Limits withAccessLists(List<String> allow, List<String> deny) {
            return new Limits(
                    dialTimeout,
                    maxConnections,
                    maxStreamsPerConnection,
                    pendingUpgradeTimeout,
                    maxPendingInbound,
                    maxPendingPerAddress,
                    maxConnectionsPerAddress,
                    newConnectionsPerAddressPerSecond,
                    allow,
                    deny);
        }
    }

    /** Told about connections that open and close. */
    public interface ConnectionListener {
        /** A connection finished its upgrade. */
        void connected(Connection c);

        /** A connection closed. */
        default void disconnected(Connection c) {}
    }

    private static final String CONNECTION = "connection";

    /**
     * Reads of up to 256 KiB (Netty's default stops at 64 KiB, just under one 65537-byte Noise
     * frame): fewer reads per frame, and whole frames are decrypted straight from the read buffer.
     */
    private static final RecvByteBufAllocator READS =
            new AdaptiveRecvByteBufAllocator(512, 16 * 1024, 256 * 1024);

    private final Logger logger = LoggerFactory.getLogger(Libp2pHost.class);
    private final IdentityKey identity;
    private final EventLoopGroup group;
    private final Limits limits;
    private final Map<String, Supplier<StreamHandler>> protocols = new ConcurrentHashMap<>();
    private final Map<PeerId, Connection> connections = new ConcurrentHashMap<>();
    private final Map<PeerId, CompletableFuture<Connection>> pendingDials =
            new ConcurrentHashMap<>();
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private final List<Channel> servers = new CopyOnWriteArrayList<>();
    private final List<Multiaddr> listenAddrs = new CopyOnWriteArrayList<>();
    private final List<ConnectionListener> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> localChangeListeners = new CopyOnWriteArrayList<>();
    private final InboundAdmission admission;
    private final PeerProblemLog problems;
    private final ScheduledFuture<?> problemFlush;
    private volatile ConnectionGater gater;
    private volatile boolean closed;

    /** How often the aggregated line about misbehaving and refused peers is written. */
    public static final Duration PROBLEM_LOG_INTERVAL = Duration.ofSeconds(60);

    /**
     * @param group the shared event loop group; the host never shuts it down
     */
    public Libp2pHost(IdentityKey identity, EventLoopGroup group, Limits limits) {
        this(identity, group, limits, PeerProblemLog.toLogger());
    }

    /**
     * @param group the shared event loop group; the host never shuts it down
     * @param problems where refusals and peers' protocol errors are counted; the host flushes it
     *     every {@link #PROBLEM_LOG_INTERVAL}
     * @throws IllegalArgumentException when an allow or deny entry is not an address, CIDR block or
     *     peer id
     */
    public Libp2pHost(
            IdentityKey identity, EventLoopGroup group, Limits limits, PeerProblemLog problems) {
        this.identity = identity;
        this.group = group;
        this.limits = limits;
        this.gater = new AccessLists(limits.allow(), limits.deny());
        this.admission = new InboundAdmission(limits, System::nanoTime);
        this.problems = problems;
        long every = PROBLEM_LOG_INTERVAL.toMillis();
        String interval = PROBLEM_LOG_INTERVAL.toSeconds() + " s";
        this.problemFlush =
                group.next()
                        .scheduleAtFixedRate(
                                () -> problems.flush(interval),
                                every,
                                every,
                                TimeUnit.MILLISECONDS);
    }

    /**
     * Replaces the connection gater (by default the allow and deny lists of the limits). Applies to
     * connections from now on.
     */
    public void setGater(ConnectionGater gater) {
        this.gater = gater;
    }

    /**
     * @return where refusals and peers' protocol errors are counted
     */
    public PeerProblemLog problems() {
        return problems;
    }

    /**
     * @return inbound connections accepted and still upgrading
     */
    public int pendingInbound() {
        return admission.pendingCount();
    }

    /**
     * @return open TCP connections, upgraded or not
     */
    public int openChannels() {
        return channels.size();
    }

    /**
     * @return the local identity
     */
    public IdentityKey identity() {
        return identity;
    }

    /**
     * @return the local peer id
     */
    public PeerId peerId() {
        return identity.peerId();
    }

    /**
     * @return the event loop group
     */
    public EventLoopGroup group() {
        return group;
    }

    /** Registers the handler factory for inbound streams of {@code protocol}. */
    public void handle(String protocol, Supplier<StreamHandler> factory) {
        if (protocols.put(protocol, factory) == null) {
            localChanged();
        }
    }

    /** Stops answering {@code protocol}; open streams of it go on. */
    public void unhandle(String protocol) {
        if (protocols.remove(protocol) != null) {
            localChanged();
        }
    }

    /** Adds a listener told when the protocols or listen addresses of this host change. */
    public void addLocalChangeListener(Runnable l) {
        localChangeListeners.add(l);
    }

    private void localChanged() {
        for (Runnable l : localChangeListeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                logger.warn("A local-change listener failed: {}", e.toString());
            }
        }
    }

    /**
     * @return the protocols this host answers
     */
    public List<String> protocols() {
        return protocols.keySet().stream().sorted().toList();
    }

    /** Adds a connection listener. */
    public void addListener(ConnectionListener l) {
        listeners.add(l);
    }

    /**
     * Starts listening.
     *
     * @param addr {@code /ip4|ip6/<addr>/tcp/<port>} (port 0 picks a free one)
     * @return the bound address (without {@code /p2p})
     */
    public CompletableFuture<Multiaddr> listen(Multiaddr addr) {
        String host =
                addr.host().orElseThrow(() -> new IllegalArgumentException("no host in " + addr));
        int port =
                addr.tcpPort()
                        .orElseThrow(() -> new IllegalArgumentException("no tcp port in " + addr));
        CompletableFuture<Multiaddr> f = new CompletableFuture<>();
        ServerBootstrap b =
                new ServerBootstrap()
                        .group(group)
                        .channel(NioServerSocketChannel.class)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childOption(ChannelOption.RCVBUF_ALLOCATOR, READS)
                        .childHandler(
                                new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel ch) {
                                        accepted(ch);
                                    }
                                });
        b.bind(host, port)
                .addListener(
                        (ChannelFuture cf) -> {
                            if (!cf.isSuccess()) {
                                f.completeExceptionally(
                                        new IOException(
                                                "cannot listen on "
                                                        + addr
                                                        + ": "
                                                        + cf.cause().getMessage(),
                                                cf.cause()));
                                return;
                            }
                            servers.add(cf.channel());
                            InetSocketAddress bound =
                                    (InetSocketAddress) cf.channel().localAddress();
                            // a dual-stack JVM reports an IPv4 wildcard bind as the IPv6 wildcard:
                            // keep the family asked for
                            Multiaddr m =
                                    Multiaddr.ofTcp(
                                            bound.getAddress().isAnyLocalAddress()
                                                    ? wildcardAsked(host)
                                                    : bound.getAddress(),
                                            bound.getPort());
                            listenAddrs.add(m);
                            logger.info("P2P listening on {}/p2p/{}", m, peerId());
                            f.complete(m);
                            localChanged();
                        });
        return f;
    }

    private void accepted(SocketChannel ch) {
        InetSocketAddress remote = ch.remoteAddress();
        if (remote == null) {
            // reset by the peer before it got here
            ch.close();
            return;
        }
        InetAddress from = remote.getAddress();
        if (closed) {
            ch.close();
            return;
        }
        ConnectionGater.Verdict verdict = gater.address(from);
        if (verdict == ConnectionGater.Verdict.DENY) {
            refuse(ch, from, "refused: denied address", "on the deny list");
            return;
        }
        InboundAdmission.Admission a =
                admission.admit(
                        from,
                        () -> ch.close(),
                        verdict == ConnectionGater.Verdict.TRUSTED,
                        connections.size());
        if (a.pending() == null) {
            refuse(ch, from, "refused: " + a.refusal(), "limit reached");
            return;
        }
        if (a.evicted() != null) {
            problems.record(
                    "closed: displaced while pending",
                    a.evicted().address.getHostAddress(),
                    "to admit a connection from " + from.getHostAddress());
            a.evicted().close.run();
        }
        initConnection(ch, false, null, null, a.pending());
    }

    /** Closes at once with a reset: no handshake, no TIME_WAIT left on this side. */
    private void refuse(SocketChannel ch, InetAddress from, String kind, String detail) {
        problems.record(kind, from.getHostAddress(), detail);
        ch.config().setOption(ChannelOption.SO_LINGER, 0);
        ch.close();
    }

    private static java.net.InetAddress wildcardAsked(String literal) {
        try {
            // a literal: no name lookup happens
            return java.net.InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("bound to a wildcard, but asked for " + literal, e);
        }
    }

    /**
     * @return the addresses to announce: bound addresses, with a wildcard expanded to the loopback
     *     address of its family (the node does not guess its public address)
     */
    public List<Multiaddr> listenAddresses() {
        List<Multiaddr> out = new ArrayList<>();
        for (Multiaddr m : listenAddrs) {
            String host = m.host().orElse("");
            if (host.equals("0.0.0.0")) {
                out.addAll(interfaceAddresses(true, m.tcpPort().orElse(0)));
            } else if (host.equals("0:0:0:0:0:0:0:0")) {
                out.addAll(interfaceAddresses(false, m.tcpPort().orElse(0)));
            } else {
                out.add(m);
            }
        }
        return out;
    }

    private static List<Multiaddr> interfaceAddresses(boolean ipv4, int port) {
        List<Multiaddr> out = new ArrayList<>();
        try {
            for (java.net.NetworkInterface ni :
                    java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp()) {
                    continue;
                }
                for (InetAddress a : java.util.Collections.list(ni.getInetAddresses())) {
                    if ((a.getAddress().length == 4) == ipv4 && !a.isLinkLocalAddress()) {
                        out.add(Multiaddr.ofTcp(a, port));
                    }
                }
            }
        } catch (IOException e) {
            // fall through to loopback
        }
        if (out.isEmpty()) {
            out.add(Multiaddr.ofTcp(ipv4 ? InetAddress.getLoopbackAddress() : loopback6(), port));
        }
        return out;
    }

    private static InetAddress loopback6() {
        try {
            return InetAddress.getByName("::1");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @return the live connection to {@code peer}, if any
     */
    public Optional<Connection> connection(PeerId peer) {
        Connection c = connections.get(peer);
        return c != null && c.isOpen() ? Optional.of(c) : Optional.empty();
    }

    /**
     * @return all live connections
     */
    public Collection<Connection> connections() {
        return connections.values().stream().filter(Connection::isOpen).toList();
    }

    /**
     * Dials {@code addr} (reusing a live connection when it names a connected peer).
     *
     * @return the upgraded connection; fails on timeout, refusal, or when the peer proves to be
     *     someone other than the {@code /p2p} id in the address
     */
    public CompletableFuture<Connection> dial(Multiaddr addr) {
        Optional<PeerId> expected = addr.peerId();
        if (expected.isPresent()) {
            if (expected.get().equals(peerId())) {
                return CompletableFuture.failedFuture(new IOException("refusing to dial self"));
            }
            Optional<Connection> existing = connection(expected.get());
            if (existing.isPresent()) {
                return CompletableFuture.completedFuture(existing.get());
            }
            CompletableFuture<Connection> pending = pendingDials.get(expected.get());
            if (pending != null) {
                return pending;
            }
        }
        if (closed) {
            return CompletableFuture.failedFuture(new IOException("the P2P host is closed"));
        }
        String host =
                addr.host().orElseThrow(() -> new IllegalArgumentException("no host in " + addr));
        int port =
                addr.tcpPort()
                        .orElseThrow(() -> new IllegalArgumentException("no tcp port in " + addr));
        CompletableFuture<Connection> f = new CompletableFuture<>();
        expected.ifPresent(
                p -> {
                    pendingDials.put(p, f);
                    f.whenComplete((c, e) -> pendingDials.remove(p, f));
                });
        Bootstrap b =
                new Bootstrap()
                        .group(group)
                        .channel(NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, READS)
                        .option(
                                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                                (int) limits.dialTimeout().toMillis())
                        .handler(
                                new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel ch) {
                                        initConnection(ch, true, expected.orElse(null), f, null);
                                    }
                                });
        b.connect(host, port)
                .addListener(
                        (ChannelFuture cf) -> {
                            if (!cf.isSuccess()) {
                                f.completeExceptionally(
                                        new IOException(
                                                "cannot connect to "
                                                        + addr
                                                        + ": "
                                                        + cf.cause().getMessage(),
                                                cf.cause()));
                            } else if (cf.channel().remoteAddress() instanceof InetSocketAddress ra
                                    && gater.address(ra.getAddress())
                                            == ConnectionGater.Verdict.DENY) {
                                f.completeExceptionally(
                                        new IOException(
                                                "not dialing " + addr + ": on the deny list"));
                                cf.channel().close();
                            }
                        });
        return f;
    }

    private void initConnection(
            SocketChannel ch,
            boolean dialer,
            PeerId expected,
            CompletableFuture<Connection> result,
            InboundAdmission.Pending admitted) {
        channels.add(ch);
        ch.closeFuture().addListener(x -> channels.remove(ch));
        if (admitted != null) {
            ch.pipeline()
                    .addLast(
                            "first-bytes",
                            new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    admission.progressed(admitted, 1);
                                    ctx.pipeline().remove(this);
                                    ctx.fireChannelRead(msg);
                                }
                            });
        }
        ch.pipeline()
                .addLast(CONNECTION, new ConnectionHandler(dialer, expected, result, admitted));
    }

    /**
     * Opens a stream to a connected peer and negotiates one of {@code protocolIds}.
     *
     * @return the stream once the protocol is agreed (at once for a single, lazily negotiated one)
     */
    public CompletableFuture<YamuxStream> newStream(
            Connection c, List<String> protocolIds, StreamHandler handler) {
        CompletableFuture<YamuxStream> result = new CompletableFuture<>();
        c.session()
                .openStream(StreamNegotiation.dialer(protocolIds, handler, result))
                .whenComplete(
                        (s, e) -> {
                            if (e != null) {
                                result.completeExceptionally(e);
                            }
                        });
        return result;
    }

    /** Closes every connection gracefully and stops listening. The event loop group stays. */
    @Override
    public void close() {
        closed = true;
        problemFlush.cancel(false);
        problems.flush("interval before closing");
        for (Channel s : servers) {
            s.close().syncUninterruptibly();
        }
        for (Connection c : connections.values()) {
            c.close();
        }
        // give the go-aways a moment to flush, all connections at once, then close what is left
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (Channel ch : List.copyOf(channels)) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !ch.closeFuture().awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
                ch.close();
            }
        }
    }

    private boolean trustedPeer(PeerId p) {
        return gater.peer(p) == ConnectionGater.Verdict.TRUSTED;
    }

    /** Drives the upgrade of one TCP connection and then represents it in the pipeline's tail. */
    private final class ConnectionHandler extends ChannelInboundHandlerAdapter {
        private final boolean dialer;
        private final PeerId expected;
        private final CompletableFuture<Connection> result;
        private final InboundAdmission.Pending admitted;
        private ScheduledFuture<?> upgradeTimeout;
        private Connection connection;
        private String closeReason;

        ConnectionHandler(
                boolean dialer,
                PeerId expected,
                CompletableFuture<Connection> result,
                InboundAdmission.Pending admitted) {
            this.dialer = dialer;
            this.expected = expected;
            this.result = result;
            this.admitted = admitted;
        }

        private String remoteIp(ChannelHandlerContext ctx) {
            return ctx.channel().remoteAddress() instanceof InetSocketAddress a
                    ? a.getAddress().getHostAddress()
                    : String.valueOf(ctx.channel().remoteAddress());
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            long timeout =
                    (dialer ? limits.dialTimeout() : limits.pendingUpgradeTimeout()).toMillis();
            upgradeTimeout =
                    ctx.executor()
                            .schedule(
                                    () -> {
                                        closeReason =
                                                "connection upgrade did not finish within "
                                                        + timeout
                                                        + " ms";
                                        if (!dialer) {
                                            problems.record(
                                                    "closed: upgrade timeout",
                                                    remoteIp(ctx),
                                                    closeReason);
                                        }
                                        fail(new TimeoutException(closeReason));
                                        ctx.close();
                                    },
                                    timeout,
                                    TimeUnit.MILLISECONDS);
            ctx.pipeline()
                    .addBefore(
                            CONNECTION,
                            "security-select",
                            new NegotiationHandler(
                                    dialer,
                                    NoiseHandshake.PROTOCOL,
                                    c ->
                                            c.pipeline()
                                                    .addBefore(
                                                            CONNECTION,
                                                            "noise",
                                                            new NoiseHandler(dialer, identity))));
            super.channelActive(ctx);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (!(evt instanceof NoiseHandler.SecuredEvent secured)) {
                super.userEventTriggered(ctx, evt);
                return;
            }
            PeerId remote = secured.remotePeer();
            if (expected != null && !expected.equals(remote)) {
                throw new NoiseException(
                        "dialed " + expected + " but the peer proved to be " + remote);
            }
            if (remote.equals(peerId())) {
                throw new NoiseException("connected to self");
            }
            ConnectionGater.Verdict verdict = gater.peer(remote);
            if (verdict == ConnectionGater.Verdict.DENY) {
                problems.record("refused: denied peer", remoteIp(ctx), remote.toString());
                closeReason = "peer " + remote + " is on the deny list";
                fail(new IOException(closeReason));
                ctx.close();
                return;
            }
            if (admitted != null) {
                if (verdict == ConnectionGater.Verdict.TRUSTED) {
                    // an allowed peer id: its slot is not counted against any limit
                    admission.closed(admitted);
                } else {
                    admission.progressed(admitted, 2);
                }
            }
            YamuxSession session =
                    new YamuxSession(
                            dialer,
                            remote,
                            limits.maxStreamsPerConnection(),
                            this::inboundStream,
                            problems);
            ctx.pipeline()
                    .addBefore(
                            CONNECTION,
                            "muxer-select",
                            new NegotiationHandler(
                                    dialer,
                                    YamuxSession.PROTOCOL,
                                    c -> {
                                        c.pipeline().addBefore(CONNECTION, "yamux", session);
                                        upgraded(ctx, remote, session);
                                    }));
        }

        private StreamHandler inboundStream(YamuxStream s) {
            return StreamNegotiation.listener(protocols::containsKey, p -> protocols.get(p).get());
        }

        private void upgraded(ChannelHandlerContext ctx, PeerId remote, YamuxSession session) {
            upgradeTimeout.cancel(false);
            if (admitted != null && !admitted.gone) {
                String refusal = admission.upgraded(admitted, connections.size());
                if (refusal != null) {
                    problems.record("refused: " + refusal, remoteIp(ctx), remote.toString());
                    closeReason = refusal;
                    session.goAwayAndClose();
                    return;
                }
            } else if (admitted != null && !admitted.trusted && !trustedPeer(remote)) {
                problems.record(
                        "refused: displaced while pending", remoteIp(ctx), remote.toString());
                ctx.close();
                return;
            }
            InetSocketAddress ra = (InetSocketAddress) ctx.channel().remoteAddress();
            connection =
                    new Connection(
                            remote,
                            Multiaddr.ofTcp(ra.getAddress(), ra.getPort()),
                            dialer,
                            session,
                            Instant.now());
            Connection previous = connections.put(remote, connection);
            logger.debug(
                    "Connected to {} at {} ({})",
                    remote,
                    connection.remoteAddress(),
                    dialer ? "outbound" : "inbound");
            if (result != null) {
                result.complete(connection);
            }
            for (ConnectionListener l : listeners) {
                try {
                    l.connected(connection);
                } catch (RuntimeException e) {
                    logger.warn("Connection listener failed", e);
                }
            }
            if (previous != null && previous.isOpen()) {
                // a simultaneous dial: keep both until the older one closes by itself
                logger.debug("Second connection to {}", remote);
            }
        }

        private void fail(Throwable t) {
            if (result != null) {
                result.completeExceptionally(t);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable c =
                    cause instanceof io.netty.handler.codec.DecoderException
                                    && cause.getCause() != null
                            ? cause.getCause()
                            : cause;
            String peer =
                    connection != null
                            ? connection.remotePeer().toString()
                            : String.valueOf(ctx.channel().remoteAddress());
            if (c instanceof NoiseException
                    || c instanceof MalformedInputException
                    || c instanceof MultistreamSelect.NegotiationException) {
                problems.record(
                        "closed: protocol error", remoteIp(ctx), peer + ": " + c.getMessage());
            } else if (c instanceof IOException) {
                logger.debug("Closing connection to {}: {}", peer, c.toString());
            } else {
                logger.warn("Closing connection to {} after an unexpected error", peer, c);
            }
            closeReason = c.getMessage();
            fail(new IOException("connection to " + peer + " failed: " + c.getMessage(), c));
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (upgradeTimeout != null) {
                upgradeTimeout.cancel(false);
            }
            if (admitted != null) {
                admission.closed(admitted);
            }
            fail(
                    new IOException(
                            "connection closed before it was ready"
                                    + (closeReason == null ? "" : ": " + closeReason)));
            if (connection != null) {
                connections.remove(connection.remotePeer(), connection);
                for (ConnectionListener l : listeners) {
                    try {
                        l.disconnected(connection);
                    } catch (RuntimeException e) {
                        logger.warn("Connection listener failed", e);
                    }
                }
            }
            super.channelInactive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            // nothing reaches the tail once yamux is in place; drop stray bytes of a closing
            // connection
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }
}
