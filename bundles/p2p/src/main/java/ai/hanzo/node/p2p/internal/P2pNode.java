package ai.hanzo.node.p2p.internal;

import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.UnavailableException;
import ai.hanzo.node.api.p2p.PeerInfo;
import ai.hanzo.node.api.p2p.PeerNetwork;
import ai.hanzo.node.api.p2p.PubsubMessage;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import ai.hanzo.node.p2p.internal.kad.KadDht;
import ai.hanzo.node.p2p.internal.mdns.MdnsDiscovery;
import ai.hanzo.node.p2p.internal.protocol.IdentifyProtocol;
import ai.hanzo.node.p2p.internal.protocol.PeerStore;
import ai.hanzo.node.p2p.internal.protocol.PingProtocol;
import ai.hanzo.node.p2p.internal.pubsub.Gossipsub;
import ai.hanzo.node.p2p.internal.pubsub.GossipsubConfig;
import ai.hanzo.node.p2p.internal.transport.Connection;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's libp2p stack, usable without OSGi: a host with identify and ping, the peer store,
 * bootstrap dialing. {@link #start()} listens; {@link #close()} closes connections gracefully and
 * stops the event loop group it created.
 */
public final class P2pNode implements PeerNetwork, AutoCloseable {
    /** The agent string announced in identify. */
    public static final String AGENT = "hanzo-node/0.1.0";

    /**
     * @param listen where to listen
     * @param bootstrap peers to dial at start (with {@code /p2p/<id>})
     * @param limits connection limits and timeouts
     * @param heartbeat the gossipsub heartbeat interval
     * @param mdns whether to discover peers on the local network with mDNS
     */
    public record Settings(
            Multiaddr listen,
            List<Multiaddr> bootstrap,
            Libp2pHost.Limits limits,
            Duration heartbeat,
            boolean mdns) {
        /** Copies the list. */
        public Settings {
            bootstrap = List.copyOf(bootstrap);
        }

        /** Settings with the default one-second heartbeat and no mDNS. */
        public Settings(Multiaddr listen, List<Multiaddr> bootstrap, Libp2pHost.Limits limits) {
            this(listen, bootstrap, limits, Duration.ofSeconds(1), false);
        }

        /** Settings without mDNS. */
        public Settings(
                Multiaddr listen,
                List<Multiaddr> bootstrap,
                Libp2pHost.Limits limits,
                Duration heartbeat) {
            this(listen, bootstrap, limits, heartbeat, false);
        }
    }

    private final Logger logger = LoggerFactory.getLogger(P2pNode.class);
    private final Settings settings;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final Libp2pHost host;
    private final PeerStore peerStore = new PeerStore();
    private final PingProtocol ping;
    private final IdentifyProtocol identify;
    private final Gossipsub pubsub;
    private final KadDht dht;
    private MdnsDiscovery mdns;
    private final java.util.Map<
                    ai.hanzo.node.p2p.internal.transport.YamuxSession,
                    CompletableFuture<IdentifyProtocol.Info>>
            identifies = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Set<java.nio.ByteBuffer> provided =
            java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Object pxLookupLock = new Object();
    private CompletableFuture<?> pxLookup = CompletableFuture.completedFuture(null);
    private final List<io.netty.util.concurrent.ScheduledFuture<?>> timers =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param group a shared event loop group, or {@code null} to create (and later stop) one
     */
    public P2pNode(IdentityKey key, Settings settings, EventLoopGroup group) {
        this(key, settings, group, GossipsubConfig.defaults());
    }

    /**
     * @param group a shared event loop group, or {@code null} to create (and later stop) one
     * @param gossip gossipsub mesh, score and peer-exchange parameters
     */
    public P2pNode(
            IdentityKey key, Settings settings, EventLoopGroup group, GossipsubConfig gossip) {
        this.settings = settings;
        this.ownsGroup = group == null;
        this.group =
                group != null
                        ? group
                        : new NioEventLoopGroup(0, new DefaultThreadFactory("hanzo-p2p", true));
        this.host = new Libp2pHost(key, this.group, settings.limits());
        this.ping = new PingProtocol(host);
        this.identify = new IdentifyProtocol(host, peerStore, AGENT);
        this.pubsub =
                new Gossipsub(host, settings.heartbeat(), gossip, this::addressesForPeerExchange);
        // js-libp2p computes message ids from the author's key, not its peer id: gossip to it so
        pubsub.setAuthorKeyIdPeers(
                peer ->
                        peerStore
                                .get(peer)
                                .map(e -> e.agentVersion().startsWith("js-libp2p"))
                                .orElse(false));
        this.dht = new KadDht(host, peerStore);
        host.addListener(
                new Libp2pHost.ConnectionListener() {
                    @Override
                    public void connected(Connection c) {
                        peerStore.addAddresses(
                                c.remotePeer(),
                                c.outbound() ? List.of(c.remoteAddress()) : List.of());
                        identified(c)
                                .exceptionally(
                                        e -> {
                                            logger.debug(
                                                    "Identify of {} failed: {}",
                                                    c.remotePeer(),
                                                    e.toString());
                                            return null;
                                        });
                    }

                    @Override
                    public void disconnected(Connection c) {
                        identifies.remove(c.session());
                    }
                });
        identify.addListener(info -> dht.peerIdentified(info.peer(), info.protocols()));
    }

    /**
     * Addresses of a peer offered by gossipsub PX: the peer store's, else what a DHT self-lookup
     * turns up.
     */
    private CompletableFuture<List<Multiaddr>> addressesForPeerExchange(PeerId peer) {
        List<Multiaddr> known =
                peerStore.get(peer).map(PeerStore.Entry::addresses).orElse(List.of());
        if (!known.isEmpty()) {
            return CompletableFuture.completedFuture(known);
        }
        return sharedSelfLookup()
                .handle(
                        (found, e) ->
                                peerStore
                                        .get(peer)
                                        .map(PeerStore.Entry::addresses)
                                        .orElse(List.of()));
    }

    /** One DHT self-lookup at a time serves every PX peer offered while it runs. */
    private CompletableFuture<?> sharedSelfLookup() {
        synchronized (pxLookupLock) {
            if (pxLookup.isDone()) {
                pxLookup = dht.bootstrap();
            }
            return pxLookup;
        }
    }

    /**
     * One identify per connection: js-libp2p accepts a single inbound identify stream at a time.
     */
    private CompletableFuture<IdentifyProtocol.Info> identified(Connection c) {
        return identifies.computeIfAbsent(c.session(), s -> identify.identify(c));
    }

    /**
     * @return the host, for protocols layered on top and for tests
     */
    public Libp2pHost host() {
        return host;
    }

    /**
     * @return the peer store
     */
    public PeerStore peerStore() {
        return peerStore;
    }

    /** Listens and dials the bootstrap peers (failures are logged, not fatal). */
    public P2pNode start() {
        host.listen(settings.listen()).join();
        List<CompletableFuture<?>> dials = new ArrayList<>();
        for (Multiaddr b : settings.bootstrap()) {
            dials.add(
                    connect(b.toString())
                            .toCompletableFuture()
                            .whenComplete(
                                    (c, e) -> {
                                        if (e != null) {
                                            logger.warn(
                                                    "Bootstrap peer {} is unreachable: {}",
                                                    b,
                                                    rootMessage(e));
                                        } else {
                                            logger.info("Connected to bootstrap peer {}", b);
                                        }
                                    }));
        }
        if (!dials.isEmpty()) {
            CompletableFuture.allOf(dials.toArray(new CompletableFuture<?>[0]))
                    .handle((v, e) -> dht.bootstrap());
        }
        if (settings.mdns()) {
            mdns = new MdnsDiscovery(host.peerId(), host::listenAddresses, this::discovered);
            try {
                mdns.start(group, Duration.ofSeconds(10));
            } catch (Exception e) {
                logger.warn("mDNS discovery is off: {}", rootMessage(e));
                mdns.close();
                mdns = null;
            }
        }
        // keep the routing table fresh, re-dial lost bootstrap peers, and re-announce what this
        // node provides
        timers.add(group.next().scheduleAtFixedRate(this::maintain, 60, 60, TimeUnit.SECONDS));
        timers.add(group.next().scheduleAtFixedRate(this::reprovide, 12, 12, TimeUnit.HOURS));
        return this;
    }

    @Override
    public String localPeerId() {
        return host.peerId().toBase58();
    }

    @Override
    public List<String> listenAddresses() {
        return host.listenAddresses().stream()
                .map(m -> m.withPeerId(host.peerId()).toString())
                .toList();
    }

    @Override
    public List<PeerInfo> peers() {
        List<PeerInfo> out = new ArrayList<>();
        for (PeerStore.Entry e : peerStore.all()) {
            out.add(toInfo(e.peer()));
        }
        return out;
    }

    private PeerInfo toInfo(PeerId peer) {
        Optional<PeerStore.Entry> e = peerStore.get(peer);
        return new PeerInfo(
                peer.toBase58(),
                e.map(x -> x.addresses().stream().map(Multiaddr::toString).toList())
                        .orElse(List.of()),
                e.map(PeerStore.Entry::protocols).orElse(List.of()),
                e.map(PeerStore.Entry::agentVersion).orElse(""),
                host.connection(peer).isPresent(),
                e.flatMap(PeerStore.Entry::latency));
    }

    @Override
    public CompletionStage<PeerInfo> connect(String multiaddr) {
        Multiaddr addr;
        try {
            addr = Multiaddr.parse(multiaddr);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(
                    new InvalidArgumentException(
                            "'" + multiaddr + "' is not a usable multiaddr: " + e.getMessage()));
        }
        return host.dial(addr)
                .thenCompose(c -> identified(c).thenApply(info -> toInfo(c.remotePeer())))
                .handle(
                        (info, e) -> {
                            if (e != null) {
                                throw new CompletionException(
                                        new UnavailableException(
                                                "cannot connect to "
                                                        + multiaddr
                                                        + ": "
                                                        + rootMessage(e),
                                                e));
                            }
                            return info;
                        });
    }

    @Override
    public CompletionStage<Duration> ping(String peerId) {
        PeerId peer;
        try {
            peer = PeerId.parse(peerId);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(
                    new InvalidArgumentException("'" + peerId + "' is not a peer id"));
        }
        Optional<Connection> c = host.connection(peer);
        if (c.isEmpty()) {
            return CompletableFuture.failedFuture(
                    new FailedPreconditionException(
                            "not connected to " + peerId + "; connect first"));
        }
        return ping.ping(c.get())
                .orTimeout(settings.limits().dialTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle(
                        (rtt, e) -> {
                            if (e != null) {
                                throw new CompletionException(
                                        new UnavailableException(
                                                "ping to " + peerId + " failed: " + rootMessage(e),
                                                e));
                            }
                            peerStore.latency(peer, rtt);
                            return rtt;
                        });
    }

    /**
     * @return the gossipsub router
     */
    public Gossipsub pubsub() {
        return pubsub;
    }

    @Override
    public CompletionStage<Void> publish(String topic, byte[] data) {
        if (topic == null || topic.isEmpty() || data == null) {
            return CompletableFuture.failedFuture(
                    new InvalidArgumentException("publish needs a topic and a payload"));
        }
        return pubsub.publish(topic, data)
                .handle(
                        (v, e) -> {
                            if (e != null) {
                                throw new CompletionException(
                                        new UnavailableException(
                                                "cannot publish on "
                                                        + topic
                                                        + ": "
                                                        + rootMessage(e)
                                                        + "; wait until peers that subscribe to it are connected",
                                                e));
                            }
                            return v;
                        });
    }

    @Override
    public Subscription subscribe(String topic, Consumer<PubsubMessage> handler) {
        if (topic == null || topic.isEmpty() || handler == null) {
            throw new InvalidArgumentException("subscribe needs a topic and a handler");
        }
        return pubsub.subscribe(topic, handler);
    }

    private final java.util.Map<PeerId, Long> lastDiscoveryDial =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** A peer found by mDNS: remember its addresses and connect, at most once per 30 s per peer. */
    private void discovered(PeerId peer, List<Multiaddr> addrs) {
        peerStore.addAddresses(peer, addrs);
        long now = System.currentTimeMillis();
        if (host.connection(peer).isPresent()
                || now - lastDiscoveryDial.getOrDefault(peer, 0L) < 30_000
                || lastDiscoveryDial.size() > 10_000) {
            return;
        }
        lastDiscoveryDial.put(peer, now);
        logger.info("mDNS found {} at {}", peer, addrs);
        connect(addrs.get(0).withPeerId(peer).toString())
                .whenComplete(
                        (i, e) -> {
                            if (e != null) {
                                logger.info(
                                        "Cannot connect to {} found by mDNS: {}",
                                        peer,
                                        rootMessage(e));
                            }
                        });
    }

    /**
     * @return the peers mDNS has reported so far
     */
    public java.util.Set<PeerId> discoveredByMdns() {
        return java.util.Set.copyOf(lastDiscoveryDial.keySet());
    }

    private void maintain() {
        for (Multiaddr b : settings.bootstrap()) {
            if (b.peerId().flatMap(host::connection).isEmpty()) {
                reconnect(b);
            }
        }
        dht.bootstrap();
    }

    private final java.util.Map<Multiaddr, Long> backoffUntil =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<Multiaddr, Integer> failures =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Re-dials a bootstrap peer with exponential back-off (1 min doubling to 32 min) after
     * failures.
     */
    private void reconnect(Multiaddr b) {
        long now = System.currentTimeMillis();
        if (backoffUntil.getOrDefault(b, 0L) > now) {
            return;
        }
        host.dial(b)
                .whenComplete(
                        (c, e) -> {
                            if (e == null) {
                                failures.remove(b);
                                backoffUntil.remove(b);
                                logger.info("Reconnected to bootstrap peer {}", b);
                            } else {
                                int n = failures.merge(b, 1, Integer::sum);
                                long wait = TimeUnit.MINUTES.toMillis(1L << Math.min(n - 1, 5));
                                backoffUntil.put(b, System.currentTimeMillis() + wait);
                                logger.info(
                                        "Bootstrap peer {} still unreachable ({}); next try in {} s",
                                        b,
                                        rootMessage(e),
                                        wait / 1000);
                            }
                        });
    }

    private void reprovide() {
        for (java.nio.ByteBuffer k : provided) {
            dht.provide(k.array())
                    .exceptionally(
                            e -> {
                                logger.info(
                                        "Re-announcing a provided key failed: {}", rootMessage(e));
                                return 0;
                            });
        }
    }

    /**
     * @return the DHT
     */
    public KadDht dht() {
        return dht;
    }

    @Override
    public CompletionStage<Void> provide(byte[] key) {
        if (key == null || key.length == 0 || key.length > 256) {
            return CompletableFuture.failedFuture(
                    new InvalidArgumentException("a provider key has 1 to 256 bytes"));
        }
        provided.add(java.nio.ByteBuffer.wrap(key.clone()));
        return dht.provide(key)
                .handle(
                        (n, e) -> {
                            if (e != null) {
                                throw new CompletionException(
                                        new UnavailableException(
                                                "cannot announce the key in the DHT: "
                                                        + rootMessage(e),
                                                e));
                            }
                            if (n == 0) {
                                // kept in 'provided': the next re-announcement tries again
                                throw new CompletionException(
                                        new UnavailableException(
                                                "no DHT peer took the provider record (none known yet)"));
                            }
                            return null;
                        });
    }

    @Override
    public void stopProviding(byte[] key) {
        provided.remove(java.nio.ByteBuffer.wrap(key.clone()));
        dht.removeLocalProvider(key);
    }

    @Override
    public CompletionStage<List<PeerInfo>> findProviders(byte[] key, int max, Duration timeout) {
        if (key == null || key.length == 0 || max <= 0) {
            return CompletableFuture.failedFuture(
                    new InvalidArgumentException("findProviders needs a key and max > 0"));
        }
        return dht.findProviders(key, max, timeout)
                .thenApply(ids -> ids.stream().map(this::toInfo).toList());
    }

    /**
     * @return the message of the failure inside completion wrappers, for logs
     */
    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException
                        || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    @Override
    public void close() {
        timers.forEach(t -> t.cancel(false));
        if (mdns != null) {
            mdns.close();
        }
        pubsub.close();
        host.close();
        if (ownsGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
