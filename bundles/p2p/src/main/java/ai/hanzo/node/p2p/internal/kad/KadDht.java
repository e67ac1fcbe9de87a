package ai.hanzo.node.p2p.internal.kad;

import ai.hanzo.node.p2p.internal.codec.LengthPrefixed;
import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import ai.hanzo.node.p2p.internal.protocol.PeerStore;
import ai.hanzo.node.p2p.internal.transport.Connection;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import ai.hanzo.node.p2p.internal.transport.StreamHandler;
import ai.hanzo.node.p2p.internal.transport.YamuxStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kademlia DHT ({@code /ipfs/kad/1.0.0}) in server mode: k-bucket routing table, iterative lookups
 * with alpha=3, FIND_NODE, PUT_VALUE/GET_VALUE, ADD_PROVIDER/GET_PROVIDERS, bootstrap by looking up
 * the node's own id. State lives on one event loop; stores are bounded.
 */
public final class KadDht {
    /** The protocol id. */
    public static final String PROTOCOL = "/ipfs/kad/1.0.0";

    static final int ALPHA = 3;
    static final int K = RoutingTable.K;
    static final int MAX_MESSAGE = 1 << 20;
    static final long PROVIDER_TTL_MS = TimeUnit.HOURS.toMillis(48);
    static final int MAX_PROVIDER_KEYS = 100_000;
    static final int MAX_PROVIDERS_PER_KEY = 100;
    static final int MAX_RECORDS = 10_000;
    static final int MAX_VALUE = 64 * 1024;
    static final Duration RPC_TIMEOUT = Duration.ofSeconds(5);

    private final Logger logger = LoggerFactory.getLogger(KadDht.class);
    private final Libp2pHost host;
    private final PeerStore peerStore;
    private final EventExecutor loop;
    private final RoutingTable table;
    private final Map<ByteBuffer, LinkedHashMap<PeerId, Long>> providers = new HashMap<>();
    private final LinkedHashMap<ByteBuffer, KadMessage.Record> records = new LinkedHashMap<>();

    /** Registers the protocol on {@code host}. */
    public KadDht(Libp2pHost host, PeerStore peerStore) {
        this.host = host;
        this.peerStore = peerStore;
        this.loop = host.group().next();
        this.table = new RoutingTable(host.peerId());
        host.handle(PROTOCOL, Responder::new);
    }

    /** Adds a peer that announced the DHT protocol through identify. */
    public void peerIdentified(PeerId peer, List<String> protocols) {
        if (protocols.contains(PROTOCOL)) {
            exec(() -> table.add(peer));
        }
    }

    /**
     * @return how many peers the routing table holds
     */
    public CompletableFuture<Integer> routingTableSize() {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        exec(() -> f.complete(table.size()));
        return f;
    }

    /** Fills the routing table by looking up this node's own id. */
    public CompletableFuture<List<PeerId>> bootstrap() {
        return lookup(
                KadMessage.FIND_NODE, host.peerId().toBytes(), m -> false, Duration.ofSeconds(30));
    }

    /**
     * Stores a provider record for {@code key} locally and on the K closest peers.
     *
     * @return how many peers accepted it; fails when none did
     */
    public CompletableFuture<Integer> provide(byte[] key) {
        exec(() -> addProvider(key, host.peerId()));
        KadMessage.Peer self = new KadMessage.Peer(host.peerId(), host.listenAddresses());
        KadMessage add =
                new KadMessage(KadMessage.ADD_PROVIDER, key, null, List.of(), List.of(self));
        return lookup(KadMessage.FIND_NODE, key, m -> false, Duration.ofSeconds(30))
                .thenCompose(closest -> sendToAll(closest, add, false));
    }

    /** Stores a value under {@code key} on the K closest peers (and locally). */
    public CompletableFuture<Integer> putValue(byte[] key, byte[] value) {
        if (value.length > MAX_VALUE) {
            return CompletableFuture.failedFuture(
                    new IllegalArgumentException(
                            "DHT values are limited to " + MAX_VALUE + " bytes"));
        }
        KadMessage.Record rec =
                new KadMessage.Record(key, value, java.time.Instant.now().toString());
        exec(() -> storeRecord(rec));
        KadMessage put = new KadMessage(KadMessage.PUT_VALUE, key, rec, List.of(), List.of());
        return lookup(KadMessage.FIND_NODE, key, m -> false, Duration.ofSeconds(30))
                .thenCompose(closest -> sendToAll(closest, put, true));
    }

    /**
     * @return the value stored under {@code key} on this node or the closest peers
     */
    public CompletableFuture<Optional<byte[]>> getValue(byte[] key, Duration timeout) {
        CompletableFuture<Optional<byte[]>> f = new CompletableFuture<>();
        exec(
                () -> {
                    KadMessage.Record local = records.get(ByteBuffer.wrap(key));
                    if (local != null) {
                        f.complete(Optional.of(local.value()));
                        return;
                    }
                    lookup(
                                    KadMessage.GET_VALUE,
                                    key,
                                    m -> {
                                        if (m.record() != null && m.record().value() != null) {
                                            f.complete(Optional.of(m.record().value()));
                                            return true;
                                        }
                                        return false;
                                    },
                                    timeout)
                            .whenComplete((r, e) -> f.complete(Optional.empty()));
                });
        return f;
    }

    /**
     * @return up to {@code max} providers of {@code key}, this node included when it provides it
     */
    public CompletableFuture<List<PeerId>> findProviders(byte[] key, int max, Duration timeout) {
        CompletableFuture<List<PeerId>> f = new CompletableFuture<>();
        exec(
                () -> {
                    Set<PeerId> found = new LinkedHashSet<>(localProviders(key));
                    if (found.size() >= max) {
                        f.complete(List.copyOf(found).subList(0, max));
                        return;
                    }
                    lookup(
                                    KadMessage.GET_PROVIDERS,
                                    key,
                                    m -> {
                                        for (KadMessage.Peer p : m.providerPeers()) {
                                            if (!p.addrs().isEmpty()) {
                                                peerStore.addAddresses(p.id(), p.addrs());
                                            }
                                            found.add(p.id());
                                        }
                                        return found.size() >= max;
                                    },
                                    timeout)
                            .whenComplete(
                                    (r, e) ->
                                            f.complete(
                                                    List.copyOf(found)
                                                            .subList(
                                                                    0,
                                                                    Math.min(max, found.size()))));
                });
        return f;
    }

    /**
     * Runs on the router loop; after shutdown there is nothing left to do, so the task is dropped.
     */
    private void exec(Runnable r) {
        try {
            loop.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            logger.trace("Dropped a task after shutdown");
        }
    }

    /** Forgets that this node provides {@code key}, so it stops answering with itself for it. */
    public void removeLocalProvider(byte[] key) {
        ByteBuffer k = ByteBuffer.wrap(key.clone());
        exec(
                () -> {
                    LinkedHashMap<PeerId, Long> m = providers.get(k);
                    if (m != null) {
                        m.remove(host.peerId());
                        if (m.isEmpty()) {
                            providers.remove(k);
                        }
                    }
                });
    }

    // ---- local stores ----------------------------------------------------------------------

    private void addProvider(byte[] key, PeerId peer) {
        ByteBuffer k = ByteBuffer.wrap(key.clone());
        if (!providers.containsKey(k) && providers.size() >= MAX_PROVIDER_KEYS) {
            return;
        }
        LinkedHashMap<PeerId, Long> m = providers.computeIfAbsent(k, x -> new LinkedHashMap<>());
        m.remove(peer);
        if (m.size() >= MAX_PROVIDERS_PER_KEY) {
            m.remove(m.keySet().iterator().next());
        }
        m.put(peer, System.currentTimeMillis() + PROVIDER_TTL_MS);
    }

    private List<PeerId> localProviders(byte[] key) {
        LinkedHashMap<PeerId, Long> m = providers.get(ByteBuffer.wrap(key));
        if (m == null) {
            return List.of();
        }
        long now = System.currentTimeMillis();
        m.values().removeIf(exp -> exp < now);
        return List.copyOf(m.keySet());
    }

    private void storeRecord(KadMessage.Record rec) {
        records.remove(ByteBuffer.wrap(rec.key()));
        if (records.size() >= MAX_RECORDS) {
            records.remove(records.keySet().iterator().next());
        }
        records.put(ByteBuffer.wrap(rec.key().clone()), rec);
    }

    private KadMessage.Peer withAddrs(PeerId id) {
        if (id.equals(host.peerId())) {
            return new KadMessage.Peer(id, host.listenAddresses());
        }
        return new KadMessage.Peer(
                id, peerStore.get(id).map(PeerStore.Entry::addresses).orElse(List.of()));
    }

    private List<KadMessage.Peer> closerPeers(byte[] key, PeerId exclude) {
        List<KadMessage.Peer> out = new ArrayList<>();
        for (PeerId p : table.closest(RoutingTable.hash(key), K + 1)) {
            if (!p.equals(exclude) && out.size() < K) {
                out.add(withAddrs(p));
            }
        }
        return out;
    }

    // ---- serving requests --------------------------------------------------------------

    private final class Responder implements StreamHandler {
        @Override
        public void onData(YamuxStream stream, ByteBuf in) {
            byte[] frame;
            while ((frame = LengthPrefixed.tryRead(in, MAX_MESSAGE)) != null) {
                KadMessage req = KadMessage.decode(frame);
                PeerId from = stream.session().remotePeer();
                exec(
                        () -> {
                            try {
                                KadMessage resp = answer(from, req);
                                if (resp != null) {
                                    stream.write(
                                            LengthPrefixed.encode(
                                                    Unpooled.buffer().alloc(), resp.encode()));
                                }
                            } catch (MalformedInputException e) {
                                host.problems()
                                        .record(
                                                "dht: malformed request",
                                                from.toString(),
                                                e.getMessage());
                                stream.reset();
                            }
                        });
            }
        }
    }

    private KadMessage answer(PeerId from, KadMessage req) {
        byte[] key = req.key() == null ? new byte[0] : req.key();
        switch (req.type()) {
            case KadMessage.FIND_NODE:
                return new KadMessage(
                        KadMessage.FIND_NODE, key, null, closerPeers(key, from), List.of());
            case KadMessage.GET_PROVIDERS:
                {
                    List<KadMessage.Peer> provs = new ArrayList<>();
                    for (PeerId p : localProviders(key)) {
                        provs.add(withAddrs(p));
                    }
                    return new KadMessage(
                            KadMessage.GET_PROVIDERS, key, null, closerPeers(key, from), provs);
                }
            case KadMessage.ADD_PROVIDER:
                for (KadMessage.Peer p : req.providerPeers()) {
                    if (p.id().equals(from)) {
                        addProvider(key, from);
                        if (!p.addrs().isEmpty()) {
                            peerStore.addAddresses(from, p.addrs());
                        }
                    } else {
                        logger.debug("Ignoring a provider record for {} sent by {}", p.id(), from);
                    }
                }
                return null;
            case KadMessage.PUT_VALUE:
                if (req.record() == null
                        || req.record().value() == null
                        || req.record().value().length > MAX_VALUE
                        || !java.util.Arrays.equals(req.record().key(), key)) {
                    throw new MalformedInputException("unusable PUT_VALUE record");
                }
                storeRecord(req.record());
                return req;
            case KadMessage.GET_VALUE:
                return new KadMessage(
                        KadMessage.GET_VALUE,
                        key,
                        records.get(ByteBuffer.wrap(key)),
                        closerPeers(key, from),
                        List.of());
            default:
                return req; // PING
        }
    }

    // ---- queries -------------------------------------------------------------------------

    private CompletableFuture<Integer> sendToAll(
            List<PeerId> peers, KadMessage msg, boolean expectResponse) {
        if (peers.isEmpty()) {
            return CompletableFuture.failedFuture(
                    new IOException("no DHT peer is known; connect to a bootstrap peer first"));
        }
        List<CompletableFuture<Boolean>> sends = new ArrayList<>();
        for (PeerId p : peers) {
            sends.add(rpc(p, msg, expectResponse).handle((r, e) -> e == null));
        }
        return CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0]))
                .thenApply(
                        v -> {
                            int ok = (int) sends.stream().filter(CompletableFuture::join).count();
                            if (ok == 0) {
                                throw new java.util.concurrent.CompletionException(
                                        new IOException("no DHT peer accepted the record"));
                            }
                            return ok;
                        });
    }

    private CompletableFuture<Connection> connect(PeerId peer) {
        Optional<Connection> c = host.connection(peer);
        if (c.isPresent()) {
            return CompletableFuture.completedFuture(c.get());
        }
        List<Multiaddr> addrs =
                peerStore.get(peer).map(PeerStore.Entry::addresses).orElse(List.of());
        if (addrs.isEmpty()) {
            return CompletableFuture.failedFuture(new IOException("no address known for " + peer));
        }
        CompletableFuture<Connection> f = host.dial(addrs.get(0).withPeerId(peer));
        for (Multiaddr a : addrs.subList(1, addrs.size())) {
            f = f.exceptionallyCompose(e -> host.dial(a.withPeerId(peer)));
        }
        return f;
    }

    /**
     * Sends one request on a new stream; completes with the response, or null when none is
     * expected.
     */
    CompletableFuture<KadMessage> rpc(PeerId peer, KadMessage req, boolean expectResponse) {
        CompletableFuture<KadMessage> result = new CompletableFuture<>();
        connect(peer)
                .thenCompose(
                        c ->
                                host.newStream(
                                        c,
                                        List.of(PROTOCOL),
                                        new StreamHandler() {
                                            @Override
                                            public void onActive(YamuxStream stream) {
                                                stream.write(
                                                        LengthPrefixed.encode(
                                                                stream.session().channel().alloc(),
                                                                req.encode()));
                                                if (!expectResponse) {
                                                    stream.closeWrite();
                                                    result.complete(null);
                                                }
                                            }

                                            @Override
                                            public void onData(YamuxStream stream, ByteBuf in) {
                                                byte[] frame =
                                                        LengthPrefixed.tryRead(in, MAX_MESSAGE);
                                                if (frame != null) {
                                                    result.complete(KadMessage.decode(frame));
                                                    stream.closeWrite();
                                                }
                                            }

                                            @Override
                                            public void onClosed(YamuxStream stream) {
                                                result.completeExceptionally(
                                                        new IOException(
                                                                "DHT stream to "
                                                                        + peer
                                                                        + " closed without an answer"));
                                            }
                                        }))
                .whenComplete(
                        (s, e) -> {
                            if (e != null) {
                                result.completeExceptionally(e);
                            }
                        });
        return result.orTimeout(RPC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * An iterative lookup toward {@code key}: asks the closest known peers, ALPHA at a time, and
     * learns closer ones from their answers until the K closest have all answered, {@code done}
     * says stop, or the timeout passes.
     *
     * @return the closest peers that answered
     */
    private CompletableFuture<List<PeerId>> lookup(
            int type, byte[] key, Predicate<KadMessage> done, Duration timeout) {
        CompletableFuture<List<PeerId>> result = new CompletableFuture<>();
        exec(() -> new Lookup(type, key, done, result).step());
        loop.schedule(
                () -> {
                    if (!result.isDone()) {
                        result.complete(List.of());
                    }
                },
                timeout.toMillis(),
                TimeUnit.MILLISECONDS);
        return result;
    }

    private final class Lookup {
        final int type;
        final byte[] key;
        final byte[] target;
        final Predicate<KadMessage> done;
        final CompletableFuture<List<PeerId>> result;
        final TreeSet<PeerId> candidates;
        final Set<PeerId> queried = new HashSet<>();
        final TreeSet<PeerId> answered;
        int inflight;

        Lookup(
                int type,
                byte[] key,
                Predicate<KadMessage> done,
                CompletableFuture<List<PeerId>> result) {
            this.type = type;
            this.key = key;
            this.target = RoutingTable.hash(key);
            this.done = done;
            this.result = result;
            java.util.Comparator<PeerId> cmp =
                    RoutingTable.byDistance(target).thenComparing(PeerId::toBase58);
            this.candidates = new TreeSet<>(cmp);
            this.answered = new TreeSet<>(cmp);
            candidates.addAll(table.closest(target, K));
        }

        void step() {
            if (result.isDone()) {
                return;
            }
            int considered = 0;
            for (PeerId p : candidates) {
                if (considered++ >= K || inflight >= ALPHA) {
                    break;
                }
                if (queried.add(p)) {
                    inflight++;
                    query(p);
                }
            }
            if (inflight == 0) {
                result.complete(answered.stream().limit(K).toList());
            }
        }

        void query(PeerId p) {
            rpc(p, KadMessage.request(type, key), true)
                    .whenComplete(
                            (resp, e) ->
                                    exec(
                                            () -> {
                                                inflight--;
                                                if (e != null || resp == null) {
                                                    candidates.remove(p);
                                                    logger.debug(
                                                            "DHT query to {} failed: {}",
                                                            p,
                                                            e == null ? "no answer" : e.toString());
                                                } else {
                                                    answered.add(p);
                                                    table.add(p);
                                                    for (KadMessage.Peer cp : resp.closerPeers()) {
                                                        if (cp.id().equals(host.peerId())) {
                                                            continue;
                                                        }
                                                        if (!cp.addrs().isEmpty()) {
                                                            peerStore.addAddresses(
                                                                    cp.id(), cp.addrs());
                                                        }
                                                        if (!queried.contains(cp.id())) {
                                                            candidates.add(cp.id());
                                                        }
                                                    }
                                                    try {
                                                        if (done.test(resp)) {
                                                            result.complete(
                                                                    answered.stream()
                                                                            .limit(K)
                                                                            .toList());
                                                            return;
                                                        }
                                                    } catch (RuntimeException ex) {
                                                        logger.debug(
                                                                "DHT answer from {} was unusable",
                                                                p,
                                                                ex);
                                                    }
                                                }
                                                step();
                                            }));
        }
    }
}
