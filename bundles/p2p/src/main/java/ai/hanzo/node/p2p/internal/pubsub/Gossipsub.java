package ai.hanzo.node.p2p.internal.pubsub;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.p2p.PubsubMessage;
import ai.hanzo.node.p2p.internal.codec.LengthPrefixed;
import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import ai.hanzo.node.p2p.internal.transport.Connection;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import ai.hanzo.node.p2p.internal.transport.StreamHandler;
import ai.hanzo.node.p2p.internal.transport.YamuxStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * gossipsub v1.1 ({@code /meshsub/1.1.0}, also accepting 1.0.0 and floodsub peers): StrictSign
 * messages, message id = from + seqno as the spec says (js-libp2p's author key + seqno understood
 * and used towards js peers, see {@link MessageIds}), meshes kept between D_lo and D_hi by a
 * heartbeat (with D_score peers kept by score and D_out outbound peers when pruning, an outbound
 * quota, and opportunistic grafting), GRAFT/PRUNE with backoff and peer exchange, IHAVE/IWANT
 * gossip to a share of the peers from a message cache (with IWANT promises and retransmission
 * limits), a seen-cache, flood publishing of own messages, and the v1.1 peer score ({@link
 * PeerScore}) with gossip, publish, graylist, accept-PX and opportunistic-graft thresholds, and
 * extended validation ({@link MessageValidator}: accept, reject with P4, ignore). Explicit peering
 * agreements are not implemented. All state lives on one event loop.
 */
public final class Gossipsub {
    /** gossipsub v1.1. */
    public static final String MESHSUB_11 = "/meshsub/1.1.0";

    /** gossipsub v1.0. */
    public static final String MESHSUB_10 = "/meshsub/1.0.0";

    /** floodsub: such peers get every message of their topics and no control messages. */
    public static final String FLOODSUB = "/floodsub/1.0.0";

    static final int MCACHE_LENGTH = 5;
    static final int MCACHE_GOSSIP = 3;
    static final long SEEN_TTL_MS = 120_000;

    /** Signature checks in flight off the loop per router before the loop checks them itself. */
    static final int MAX_VERIFYING = 256;

    /** Copies of one message whose senders are remembered while its check runs. */
    private static final int MAX_DUPLICATES_WHILE_VERIFYING = 64;

    static final long FANOUT_TTL_MS = 60_000;

    /**
     * Longest backoff a PRUNE may ask for, so a peer cannot lock itself out of our mesh forever.
     */
    static final long MAX_BACKOFF_S = 3600;

    static final int MAX_BACKOFF_ENTRIES = 100_000;
    static final int MAX_RPC = 1 << 20;
    static final int MAX_IHAVE_LENGTH = 5000;
    static final int MAX_IHAVE_MESSAGES = 10;
    static final int MAX_IWANT_PROMISES = 10_000;
    static final int MAX_PX_ADDRESSES_TRIED = 8;
    static final int MAX_PENDING_RPCS = 256;
    static final long MAX_QUEUED_BYTES = 8L << 20;
    private static final int MAX_AUTHORS = 4096;
    private static final byte[] SIGN_PREFIX = "libp2p-pubsub:".getBytes(StandardCharsets.US_ASCII);

    /** Where PX finds addresses for an offered peer that came without a signed peer record. */
    @FunctionalInterface
    public interface PeerAddressBook {
        /**
         * @return known or discovered addresses of {@code peer}, possibly none
         */
        CompletableFuture<List<Multiaddr>> addresses(PeerId peer);

        /** A book that knows nothing: PX then only helps with peers that sent signed records. */
        PeerAddressBook NONE = peer -> CompletableFuture.completedFuture(List.of());
    }

    private final Logger logger = LoggerFactory.getLogger(Gossipsub.class);
    private final Libp2pHost host;
    private final IdentityKey identity;
    private final EventExecutor loop;
    private final GossipsubConfig config;
    private final ScoreThresholds thresholds;
    private final PeerScore score;
    private final PeerAddressBook addressBook;
    private final long heartbeatMillis;
    private final Map<PeerId, PeerState> peers = new HashMap<>();
    private final Map<String, Set<PeerId>> mesh = new HashMap<>();
    private final Map<String, Set<PeerId>> fanout = new HashMap<>();
    private final Map<String, Long> fanoutLastPublish = new HashMap<>();
    private final Map<String, List<Registration>> handlers = new HashMap<>();
    private final Map<String, List<MessageValidator>> validators = new HashMap<>();
    private final Map<String, Long> backoff = new HashMap<>();
    private final LinkedHashMap<Key, Long> seen = new LinkedHashMap<>();

    /**
     * Recent authors (least recently used dropped beyond {@link #MAX_AUTHORS}), with their keys
     * decoded to curve points and their Base58 ids: decoding a key is about a sixth of a
     * verification and Base58 is quadratic, and a topic's messages come from few authors.
     */
    private final LinkedHashMap<PeerId, Author> authors =
            new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<PeerId, Author> e) {
                    return size() > MAX_AUTHORS;
                }
            };

    private record Author(PeerId id, String base58, IdentityKey.Verifier verifier) {}

    /**
     * Signature checks in flight on {@link #verifyPool}, in arrival order: verdicts are acted on
     * from the head only, so messages are delivered and forwarded in the order they arrived.
     */
    private final ArrayDeque<Verification> verifying = new ArrayDeque<>();

    private final Map<Key, Verification> verifyingById = new HashMap<>();

    /** Null when signatures are checked on the router's loop ({@code verifyThreads} 0). */
    private final ExecutorService verifyPool;

    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    /** A message whose signature is being checked off the loop, and who sent it meanwhile. */
    private static final class Verification {
        final PeerState src;
        final PubsubRpc.Message message;
        final Key id;
        final PeerId author;
        final Author known;

        /** Senders of copies that arrived while the check ran: scored once the verdict is in. */
        final List<PeerId> duplicatesFrom = new ArrayList<>(4);

        /** 0 while the check runs, 1 valid, -1 invalid; written by the pool, read on the loop. */
        volatile int verdict;

        Verification(
                PeerState src, PubsubRpc.Message message, Key id, PeerId author, Author known) {
            this.src = src;
            this.message = message;
            this.id = id;
            this.author = author;
            this.known = known;
        }
    }

    private final Map<Key, PubsubRpc.Message> mcache = new HashMap<>();
    private final Map<Key, Map<PeerId, Integer>> transmissions = new HashMap<>();
    private final ArrayDeque<List<Key>> mcacheWindows = new ArrayDeque<>();

    /** Message id asked for with IWANT -> who advertised it and by when it must arrive. */
    private final LinkedHashMap<Key, Promise> promises = new LinkedHashMap<>();

    private final Set<PeerId> pxDialing = new HashSet<>();
    private long seqno = System.currentTimeMillis() << 20;
    private long heartbeatTicks;
    private long graylistedRpcs;
    private long firstDeliveries;
    private long duplicateDeliveries;
    private long signaturesVerified;
    private long pxConnections;
    private ScheduledFuture<?> heartbeat;
    private ScheduledFuture<?> decay;

    /** A byte[] usable as a map key. */
    record Key(ByteBuffer bytes) {
        static Key of(byte[] b) {
            return new Key(ByteBuffer.wrap(b));
        }

        byte[] array() {
            return bytes.array();
        }
    }

    private record Promise(PeerId peer, long deadline) {}

    private static final class Registration {
        final Consumer<PubsubMessage> handler;
        volatile boolean active = true;

        Registration(Consumer<PubsubMessage> handler) {
            this.handler = handler;
        }
    }

    private volatile java.util.function.Predicate<PeerId> authorKeyIdPeers = p -> false;

    private static final class PeerState {
        final PeerId id;
        YamuxStream out;
        boolean opening;
        boolean floodsub;
        final ArrayDeque<byte[]> pending = new ArrayDeque<>();
        final Set<String> topics = new HashSet<>();
        int ihavesThisHeartbeat;
        int idsAskedThisHeartbeat;

        /** Uses js-libp2p's message ids (author key + seqno): seen in its IHAVE/IWANT. */
        boolean authorKeyIds;

        PeerState(PeerId id) {
            this.id = id;
        }
    }

    /** Per-heartbeat control batched per peer. */
    private static final class Outbox {
        final List<PubsubRpc.IHave> ihave = new ArrayList<>();
        final List<String> graft = new ArrayList<>();
        final List<PubsubRpc.Prune> prune = new ArrayList<>();
    }

    /**
     * Registers the protocol on {@code host} with the default configuration and no PX address book.
     */
    public Gossipsub(Libp2pHost host, Duration heartbeatInterval) {
        this(host, heartbeatInterval, GossipsubConfig.defaults(), PeerAddressBook.NONE);
    }

    /**
     * Registers the protocol on {@code host} and starts the heartbeat and score decay.
     *
     * @param addressBook finds addresses of peers offered by PX without a signed peer record
     */
    public Gossipsub(
            Libp2pHost host,
            Duration heartbeatInterval,
            GossipsubConfig config,
            PeerAddressBook addressBook) {
        this.host = host;
        this.identity = host.identity();
        this.loop = host.group().next();
        this.config = config;
        this.thresholds = config.thresholds();
        this.score = new PeerScore(config.score(), System::currentTimeMillis);
        this.addressBook = addressBook;
        this.heartbeatMillis = heartbeatInterval.toMillis();
        this.verifyPool = config.verifyThreads() == 0 ? null : verifyPool(config.verifyThreads());
        host.handle(MESHSUB_11, InboundReader::new);
        host.handle(MESHSUB_10, InboundReader::new);
        host.handle(FLOODSUB, InboundReader::new);
        host.addListener(
                new Libp2pHost.ConnectionListener() {
                    @Override
                    public void connected(Connection c) {
                        exec(() -> ensureOutbound(c.remotePeer()));
                    }

                    @Override
                    public void disconnected(Connection c) {
                        exec(
                                () -> {
                                    if (host.connection(c.remotePeer()).isEmpty()) {
                                        removePeer(c.remotePeer());
                                    } else {
                                        PeerState p = peers.get(c.remotePeer());
                                        if (p != null
                                                && p.out != null
                                                && p.out.session() == c.session()) {
                                            p.out = null;
                                            ensureOutbound(c.remotePeer());
                                        }
                                    }
                                });
                    }
                });
        long hb = heartbeatInterval.toMillis();
        heartbeat = loop.scheduleAtFixedRate(this::heartbeat, hb, hb, TimeUnit.MILLISECONDS);
        long di = config.score().decayInterval().toMillis();
        decay = loop.scheduleAtFixedRate(this::decayScores, di, di, TimeUnit.MILLISECONDS);
    }

    /** Stops the heartbeat and the verification threads. */
    public void close() {
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        if (decay != null) {
            decay.cancel(false);
        }
        if (verifyPool != null) {
            verifyPool.shutdownNow();
        }
    }

    private static ExecutorService verifyPool(int threads) {
        AtomicInteger n = new AtomicInteger();
        // the queue is bounded by MAX_VERIFYING: only this router submits, and only below it
        return new ThreadPoolExecutor(
                threads,
                threads,
                0,
                TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "gossipsub-verify-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Runs on the router loop; after shutdown there is nothing left to do, so the task is dropped.
     */
    private void exec(Runnable r) {
        try {
            loop.execute(r);
        } catch (RejectedExecutionException e) {
            logger.trace("Dropped a task after shutdown");
        }
    }

    // ---- public operations -------------------------------------------------------------

    /**
     * Signs and floods a message to every topic peer whose score is at least the publish threshold
     * (flood publishing, whether or not this node subscribes to the topic).
     *
     * @return completes when handed to at least one peer; fails when no peer subscribes
     */
    public CompletableFuture<Void> publish(String topic, byte[] data) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        exec(
                () -> {
                    try {
                        byte[] seq = ByteBuffer.allocate(8).putLong(seqno++).array();
                        byte[] from = identity.peerId().toBytes();
                        PubsubRpc.Message unsigned =
                                new PubsubRpc.Message(from, data, seq, topic, null, null);
                        byte[] sig = identity.sign(unsigned.signedBytes(SIGN_PREFIX));
                        PubsubRpc.Message m =
                                new PubsubRpc.Message(from, data, seq, topic, sig, null);
                        Key id = Key.of(MessageIds.spec(identity.peerId(), seq));
                        markSeen(id);
                        cache(id, m);
                        List<PeerState> targets = new ArrayList<>();
                        for (PeerState p : peers.values()) {
                            if (p.topics.contains(topic) && score(p) >= thresholds.publish()) {
                                targets.add(p);
                            }
                        }
                        if (targets.isEmpty()) {
                            f.completeExceptionally(
                                    new IllegalStateException(
                                            "no connected peer subscribes to " + topic));
                            return;
                        }
                        if (!mesh.containsKey(topic)) {
                            fanoutLastPublish.put(topic, System.currentTimeMillis());
                            Set<PeerId> fo = fanout.computeIfAbsent(topic, t -> new HashSet<>());
                            for (PeerState p : targets) {
                                if (fo.size() < config.d()) {
                                    fo.add(p.id);
                                }
                            }
                        }
                        byte[] rpc = PubsubRpc.of(List.of(), List.of(m), null).encode();
                        for (PeerState p : targets) {
                            send(p, rpc);
                        }
                        f.complete(null);
                    } catch (RuntimeException e) {
                        f.completeExceptionally(e);
                    }
                });
        return f;
    }

    /** Joins {@code topic}; the handler gets every new valid message on it from other peers. */
    public Subscription subscribe(String topic, Consumer<PubsubMessage> handler) {
        Registration r = new Registration(handler);
        exec(
                () -> {
                    List<Registration> list =
                            handlers.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>());
                    list.add(r);
                    if (list.size() == 1 && r.active) {
                        join(topic);
                    }
                });
        return () -> {
            r.active = false;
            exec(
                    () -> {
                        List<Registration> list = handlers.get(topic);
                        if (list != null && list.remove(r) && list.isEmpty()) {
                            handlers.remove(topic);
                            leave(topic);
                        }
                    });
        };
    }

    /**
     * Adds an application check for messages on {@code topic}; a message is delivered and forwarded
     * only when every validator of its topic accepts it.
     *
     * @return closing it removes the validator
     */
    public AutoCloseable addValidator(String topic, MessageValidator validator) {
        exec(
                () ->
                        validators
                                .computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>())
                                .add(validator));
        return () ->
                exec(
                        () -> {
                            List<MessageValidator> list = validators.get(topic);
                            if (list != null && list.remove(validator) && list.isEmpty()) {
                                validators.remove(topic);
                            }
                        });
    }

    /**
     * @return the mesh peers of {@code topic} (a snapshot, for tests and status)
     */
    public CompletableFuture<Set<PeerId>> meshPeers(String topic) {
        return onLoop(() -> Set.copyOf(mesh.getOrDefault(topic, Set.of())));
    }

    /**
     * @return the peers known to subscribe to {@code topic}
     */
    public CompletableFuture<Set<PeerId>> topicPeers(String topic) {
        return onLoop(
                () -> {
                    Set<PeerId> out = new HashSet<>();
                    peers.values().stream()
                            .filter(p -> p.topics.contains(topic))
                            .forEach(p -> out.add(p.id));
                    return Set.copyOf(out);
                });
    }

    /**
     * @return the score of {@code peer}, also while it is retained after a disconnect; 0 when
     *     unknown
     */
    public CompletableFuture<Double> score(PeerId peer) {
        return onLoop(() -> score.score(peer));
    }

    /**
     * @return the configuration in use
     */
    public GossipsubConfig config() {
        return config;
    }

    /**
     * Messages received from peers so far.
     *
     * @param first accepted when first seen
     * @param duplicates arrived again after that (from other mesh peers or by gossip)
     * @param signaturesVerified signatures checked: once per message id, valid or not, never for a
     *     duplicate
     */
    public record DeliveryCounts(long first, long duplicates, long signaturesVerified) {}

    /**
     * @return how many messages arrived for the first time and how many again
     */
    public CompletableFuture<DeliveryCounts> deliveryCounts() {
        return onLoop(
                () -> new DeliveryCounts(firstDeliveries, duplicateDeliveries, signaturesVerified));
    }

    /**
     * @return how many RPCs were dropped because their sender was graylisted (for tests and status)
     */
    CompletableFuture<Long> graylistedRpcs() {
        return onLoop(() -> graylistedRpcs);
    }

    /**
     * @return how many connections were made to peers offered by PX (for tests and status)
     */
    CompletableFuture<Long> pxConnections() {
        return onLoop(() -> pxConnections);
    }

    private <T> CompletableFuture<T> onLoop(java.util.function.Supplier<T> s) {
        CompletableFuture<T> f = new CompletableFuture<>();
        exec(
                () -> {
                    try {
                        f.complete(s.get());
                    } catch (RuntimeException e) {
                        f.completeExceptionally(e);
                    }
                });
        return f;
    }

    // ---- membership ---------------------------------------------------------------------

    private double score(PeerState p) {
        return score.score(p.id);
    }

    private void addToMesh(String topic, Set<PeerId> m, PeerId id) {
        if (m.add(id)) {
            score.graft(id, topic);
        }
    }

    private void removeFromMesh(String topic, Set<PeerId> m, PeerId id) {
        if (m.remove(id)) {
            score.prune(id, topic);
        }
    }

    private void join(String topic) {
        for (PeerState p : peers.values()) {
            send(
                    p,
                    PubsubRpc.of(List.of(new PubsubRpc.SubOpts(true, topic)), List.of(), null)
                            .encode());
        }
        Set<PeerId> m = new HashSet<>();
        mesh.put(topic, m);
        Set<PeerId> fo = fanout.remove(topic);
        fanoutLastPublish.remove(topic);
        if (fo != null) {
            for (PeerId id : fo) {
                PeerState p = peers.get(id);
                if (p != null
                        && !p.floodsub
                        && score(p) >= 0
                        && !inBackoff(id, topic)
                        && m.size() < config.d()) {
                    addToMesh(topic, m, id);
                }
            }
        }
        for (PeerState p : candidates(topic, m)) {
            if (m.size() >= config.d()) {
                break;
            }
            addToMesh(topic, m, p.id);
        }
        for (PeerId id : m) {
            sendControl(peers.get(id), List.of(), List.of(topic), List.of());
        }
    }

    private void leave(String topic) {
        Set<PeerId> m = mesh.remove(topic);
        for (PeerState p : peers.values()) {
            send(
                    p,
                    PubsubRpc.of(List.of(new PubsubRpc.SubOpts(false, topic)), List.of(), null)
                            .encode());
        }
        if (m != null) {
            for (PeerId id : m) {
                score.prune(id, topic);
                PeerState p = peers.get(id);
                if (p != null) {
                    sendControl(
                            p,
                            List.of(),
                            List.of(),
                            List.of(new PubsubRpc.Prune(topic, backoffSeconds())));
                    setBackoff(id, topic, backoffSeconds());
                }
            }
        }
    }

    /**
     * @return shuffled peers of {@code topic} that may be grafted: not excluded, not in backoff,
     *     score not negative
     */
    private List<PeerState> candidates(String topic, Set<PeerId> exclude) {
        List<PeerState> out = new ArrayList<>();
        for (PeerState p : peers.values()) {
            if (p.topics.contains(topic)
                    && !p.floodsub
                    && !exclude.contains(p.id)
                    && !inBackoff(p.id, topic)
                    && score(p) >= 0) {
                out.add(p);
            }
        }
        Collections.shuffle(out);
        return out;
    }

    private boolean outbound(PeerId id) {
        return host.connection(id).map(Connection::outbound).orElse(false);
    }

    private long backoffSeconds() {
        return Math.max(1, config.pruneBackoff().toSeconds());
    }

    // ---- peers and streams --------------------------------------------------------------

    private PeerState peer(PeerId id) {
        PeerState p = peers.get(id);
        if (p == null) {
            p = new PeerState(id);
            peers.put(id, p);
            score.addPeer(
                    id, host.connection(id).flatMap(c -> c.remoteAddress().host()).orElse(null));
        }
        return p;
    }

    private void ensureOutbound(PeerId id) {
        PeerState p = peer(id);
        if (p.out != null || p.opening) {
            return;
        }
        var conn = host.connection(id);
        if (conn.isEmpty()) {
            return;
        }
        p.opening = true;
        host.newStream(
                        conn.get(),
                        List.of(MESHSUB_11, MESHSUB_10, FLOODSUB),
                        new StreamHandler() {
                            @Override
                            public void onData(YamuxStream stream, ByteBuf in) {
                                in.skipBytes(
                                        in.readableBytes()); // the peer sends on its own stream
                            }

                            @Override
                            public void onRemoteClose(YamuxStream stream) {
                                // keep writing: half-closed by the peer is fine for an
                                // outbound-only stream
                            }

                            @Override
                            public void onClosed(YamuxStream stream) {
                                exec(
                                        () -> {
                                            if (p.out == stream) {
                                                p.out = null;
                                            }
                                        });
                            }
                        })
                .whenComplete(
                        (stream, e) ->
                                exec(
                                        () -> {
                                            p.opening = false;
                                            if (e != null) {
                                                logger.debug(
                                                        "{} does not speak gossipsub: {}",
                                                        id,
                                                        e.toString());
                                                return;
                                            }
                                            if (peers.get(id) != p) {
                                                stream.reset();
                                                return;
                                            }
                                            p.out = stream;
                                            if (FLOODSUB.equals(stream.protocol())) {
                                                markFloodsub(p);
                                            }
                                            if (!handlers.isEmpty()) {
                                                List<PubsubRpc.SubOpts> subs = new ArrayList<>();
                                                handlers.keySet()
                                                        .forEach(
                                                                t ->
                                                                        subs.add(
                                                                                new PubsubRpc
                                                                                        .SubOpts(
                                                                                        true, t)));
                                                writeFrame(
                                                        p,
                                                        PubsubRpc.of(subs, List.of(), null)
                                                                .encode());
                                            }
                                            while (!p.pending.isEmpty()) {
                                                writeFrame(p, p.pending.poll());
                                            }
                                        }));
    }

    /**
     * A floodsub peer is never in a mesh and gets no control messages, also none queued while its
     * protocol was not yet known.
     */
    private void markFloodsub(PeerState p) {
        if (p.floodsub) {
            return;
        }
        p.floodsub = true;
        mesh.forEach((topic, m) -> removeFromMesh(topic, m, p.id));
        int queued = p.pending.size();
        for (int i = 0; i < queued; i++) {
            PubsubRpc rpc = PubsubRpc.decode(p.pending.poll());
            if (!rpc.subscriptions().isEmpty() || !rpc.messages().isEmpty()) {
                p.pending.add(PubsubRpc.of(rpc.subscriptions(), rpc.messages(), null).encode());
            }
        }
    }

    private void removePeer(PeerId id) {
        PeerState p = peers.remove(id);
        if (p == null) {
            return;
        }
        mesh.forEach((topic, m) -> removeFromMesh(topic, m, id));
        fanout.values().forEach(s -> s.remove(id));
        score.removePeer(id);
        p.pending.clear();
        if (p.out != null) {
            p.out.reset();
        }
    }

    private void send(PeerState p, byte[] rpc) {
        if (p.out != null) {
            writeFrame(p, rpc);
        } else {
            if (p.pending.size() < MAX_PENDING_RPCS) {
                p.pending.add(rpc);
            }
            ensureOutbound(p.id);
        }
    }

    private void writeFrame(PeerState p, byte[] rpc) {
        if (p.out.queuedBytes() > MAX_QUEUED_BYTES) {
            logger.debug("Dropping an RPC to slow peer {}", p.id);
            return;
        }
        p.out.write(LengthPrefixed.encode(Unpooled.buffer().alloc(), rpc));
    }

    private void sendControl(
            PeerState p,
            List<PubsubRpc.IHave> ihave,
            List<String> graft,
            List<PubsubRpc.Prune> prune) {
        if (p == null || p.floodsub) {
            return;
        }
        send(
                p,
                PubsubRpc.of(
                                List.of(),
                                List.of(),
                                new PubsubRpc.Control(ihave, List.of(), graft, prune))
                        .encode());
    }

    /** Reads length-prefixed RPCs from a stream the peer opened. */
    private final class InboundReader implements StreamHandler {
        @Override
        public void onActive(YamuxStream stream) {
            PeerId id = stream.session().remotePeer();
            boolean floodsub = FLOODSUB.equals(stream.protocol());
            exec(
                    () -> {
                        if (floodsub) {
                            // known before our own stream to it opens: no GRAFT or gossip meanwhile
                            markFloodsub(peer(id));
                        }
                        ensureOutbound(id);
                    });
        }

        @Override
        public void onData(YamuxStream stream, ByteBuf in) {
            PeerId id = stream.session().remotePeer();
            byte[] frame;
            while ((frame = LengthPrefixed.tryRead(in, MAX_RPC)) != null) {
                PubsubRpc rpc;
                try {
                    rpc = PubsubRpc.decode(frame);
                } catch (MalformedInputException e) {
                    host.problems()
                            .record("gossipsub: undecodable RPC", id.toString(), e.getMessage());
                    exec(() -> score.addPenalty(id, 1));
                    stream.reset();
                    return;
                }
                exec(() -> onRpc(id, rpc));
            }
        }

        @Override
        public void onRemoteClose(YamuxStream stream) {
            stream.closeWrite();
        }
    }

    // ---- inbound RPC --------------------------------------------------------------------

    private void onRpc(PeerId from, PubsubRpc rpc) {
        if (host.connection(from).isEmpty()) {
            return;
        }
        PeerState p = peer(from);
        if (score(p) < thresholds.graylist()) {
            graylistedRpcs++;
            logger.debug("Ignoring RPC from graylisted peer {}", from);
            return;
        }
        try {
            for (PubsubRpc.SubOpts s : rpc.subscriptions()) {
                if (s.subscribe()) {
                    if (p.topics.size() < 1000) {
                        p.topics.add(s.topic());
                    }
                } else {
                    p.topics.remove(s.topic());
                    Set<PeerId> m = mesh.get(s.topic());
                    if (m != null) {
                        removeFromMesh(s.topic(), m, from);
                    }
                }
            }
            for (PubsubRpc.Message m : rpc.messages()) {
                onMessage(p, m);
            }
            onControl(p, rpc.control());
        } catch (RuntimeException e) {
            // a hostile RPC must never take the router down; its sender pays in P7
            host.problems().record("gossipsub: bad RPC", from.toString(), e.toString());
            score.addPenalty(from, 1);
        }
    }

    private void onMessage(PeerState src, PubsubRpc.Message m) {
        Key id = null;
        PeerId author;
        Author known;
        try {
            if (m.topic() == null
                    || m.from() == null
                    || m.seqno() == null
                    || m.seqno().length != 8
                    || m.signature() == null) {
                throw new MalformedInputException("unsigned or incomplete message (StrictSign)");
            }
            author = PeerId.fromBytes(m.from());
            id = Key.of(MessageIds.spec(author, m.seqno()));
            if (seen.containsKey(id)) {
                duplicateDeliveries++;
                Verification pending = verifying.isEmpty() ? null : verifyingById.get(id);
                if (pending == null) {
                    score.duplicateDelivery(src.id, id, m.topic());
                } else if (pending.duplicatesFrom.size() < MAX_DUPLICATES_WHILE_VERIFYING) {
                    pending.duplicatesFrom.add(src.id);
                }
                return;
            }
            known = authors.get(author);
            if (known == null) {
                byte[] key = author.inlinePublicKey();
                if (key == null) {
                    if (m.key() == null || !PeerId.fromPublicKey(m.key()).equals(author)) {
                        throw new MalformedInputException("message key does not match its author");
                    }
                    key = m.key();
                }
                IdentityKey.Verifier verifier = IdentityKey.verifier(key);
                if (verifier == null) {
                    markSeen(id);
                    throw new MalformedInputException("the author's key is not an Ed25519 key");
                }
                known = new Author(author, author.toBase58(), verifier);
                authors.put(author, known);
            }
            // only here, after the seen check: the ~6 duplicates of each message cost no
            // verification
            signaturesVerified++;
            if (verifyPool != null) {
                verifyOffLoop(new Verification(src, m, id, author, known));
                return;
            }
            if (!known.verifier().verify(m.signedBytes(SIGN_PREFIX), m.signature())) {
                markSeen(id);
                throw new MalformedInputException("bad message signature");
            }
        } catch (MalformedInputException | IllegalArgumentException e) {
            score.invalidDelivery(src.id, id, m.topic());
            logger.debug("Rejected message from {} on {}: {}", src.id, m.topic(), e.getMessage());
            return;
        }
        markSeen(id);
        accept(src, m, id, author, known);
    }

    /**
     * Hands the signature check to {@link #verifyPool}. The id is marked seen at once, so copies
     * arriving meanwhile are dropped unverified as before (their senders are scored when the
     * verdict is in). With {@link #MAX_VERIFYING} checks in flight the loop checks this one itself:
     * it reads nothing more from its connections meanwhile, which is the back-pressure the inline
     * check gave.
     */
    private void verifyOffLoop(Verification v) {
        markSeen(v.id);
        verifying.addLast(v);
        verifyingById.put(v.id, v);
        if (verifying.size() > MAX_VERIFYING) {
            v.verdict = check(v);
            drainVerified();
            return;
        }
        try {
            verifyPool.execute(
                    () -> {
                        v.verdict = check(v);
                        // one drain task for any number of verdicts that come in meanwhile
                        if (drainScheduled.compareAndSet(false, true)) {
                            exec(this::drainVerified);
                        }
                    });
        } catch (RejectedExecutionException e) {
            logger.trace("Verification pool closed; checking on the loop");
            v.verdict = check(v);
            drainVerified();
        }
    }

    private static int check(Verification v) {
        PubsubRpc.Message m = v.message;
        return v.known.verifier().verify(m.signedBytes(SIGN_PREFIX), m.signature()) ? 1 : -1;
    }

    /** On the loop: acts on the verdicts at the head of {@link #verifying}, in arrival order. */
    private void drainVerified() {
        drainScheduled.set(false);
        Verification v;
        while ((v = verifying.peekFirst()) != null && v.verdict != 0) {
            verifying.pollFirst();
            verifyingById.remove(v.id);
            String topic = v.message.topic();
            if (v.verdict < 0) {
                score.invalidDelivery(v.src.id, v.id, topic);
                logger.debug(
                        "Rejected message from {} on {}: bad message signature", v.src.id, topic);
            } else {
                accept(v.src, v.message, v.id, v.author, v.known);
            }
            for (PeerId d : v.duplicatesFrom) {
                score.duplicateDelivery(d, v.id, topic);
            }
        }
    }

    /**
     * A message with a valid signature seen for the first time: validators, delivery, forwarding.
     */
    private void accept(PeerState src, PubsubRpc.Message m, Key id, PeerId author, Author known) {
        promises.remove(id); // whatever the application thinks of it, the advertiser delivered
        PubsubMessage msg =
                new PubsubMessage(
                        m.topic(),
                        known.base58(),
                        ByteBuffer.wrap(m.seqno()).getLong(),
                        m.data() == null ? new byte[0] : m.data(),
                        Instant.now());
        MessageValidator.Result verdict = validate(msg);
        if (verdict == MessageValidator.Result.REJECT) {
            score.invalidDelivery(src.id, id, m.topic());
            logger.debug("A validator rejected a message from {} on {}", src.id, m.topic());
            return;
        }
        if (verdict == MessageValidator.Result.IGNORE) {
            score.ignoredDelivery(src.id, id);
            return;
        }
        cache(id, m);
        firstDeliveries++;
        score.firstDelivery(src.id, id, m.topic());
        List<Registration> regs = handlers.get(m.topic());
        if (regs != null && !author.equals(identity.peerId())) {
            for (Registration r : regs) {
                if (r.active) {
                    try {
                        r.handler.accept(msg);
                    } catch (RuntimeException e) {
                        logger.warn("A subscriber of {} failed", m.topic(), e);
                    }
                }
            }
        }
        Set<PeerId> m2 = mesh.get(m.topic());
        if (m2 != null) {
            byte[] rpc = PubsubRpc.of(List.of(), List.of(m), null).encode();
            Set<PeerId> targets = new HashSet<>(m2);
            // floodsub peers are outside the mesh and get every message of their topics
            for (PeerState p : peers.values()) {
                if (p.floodsub && p.topics.contains(m.topic())) {
                    targets.add(p.id);
                }
            }
            for (PeerId id2 : targets) {
                if (!id2.equals(src.id) && !id2.equals(author)) {
                    PeerState p = peers.get(id2);
                    if (p != null) {
                        send(p, rpc);
                    }
                }
            }
        }
    }

    /**
     * @return REJECT if any validator rejects, else IGNORE if any ignores (or fails), else ACCEPT
     */
    private MessageValidator.Result validate(PubsubMessage msg) {
        List<MessageValidator> list = validators.get(msg.topic());
        if (list == null) {
            return MessageValidator.Result.ACCEPT;
        }
        MessageValidator.Result verdict = MessageValidator.Result.ACCEPT;
        for (MessageValidator v : list) {
            MessageValidator.Result r;
            try {
                r = v.validate(msg);
            } catch (RuntimeException e) {
                logger.warn("A validator of {} failed; ignoring the message", msg.topic(), e);
                r = MessageValidator.Result.IGNORE;
            }
            if (r == MessageValidator.Result.REJECT) {
                return r;
            }
            if (r != MessageValidator.Result.ACCEPT) {
                verdict = MessageValidator.Result.IGNORE;
            }
        }
        return verdict;
    }

    private void onControl(PeerState p, PubsubRpc.Control c) {
        if (c.isEmpty()) {
            return;
        }
        onGraft(p, c.graft());
        for (PubsubRpc.Prune pr : c.prune()) {
            onPrune(p, pr);
        }
        if (!c.ihave().isEmpty()) {
            onIHave(p, c.ihave());
        }
        if (!c.iwant().isEmpty()) {
            onIWant(p, c.iwant());
        }
    }

    private void onGraft(PeerState p, List<String> topics) {
        List<PubsubRpc.Prune> pruneBack = new ArrayList<>();
        for (String topic : new HashSet<>(topics)) {
            Set<PeerId> m = mesh.get(topic);
            if (m == null || m.contains(p.id)) {
                continue; // v1.1: a GRAFT for a topic we are not in is ignored, not answered
            }
            if (inBackoff(p.id, topic)) {
                // grafting too early: penalise, and answer with a PRUNE that extends the backoff
                score.addPenalty(p.id, 1);
                setBackoff(p.id, topic, backoffSeconds());
                pruneBack.add(new PubsubRpc.Prune(topic, backoffSeconds()));
                continue;
            }
            double s = score(p);
            if (s < 0) {
                setBackoff(p.id, topic, backoffSeconds());
                pruneBack.add(new PubsubRpc.Prune(topic, backoffSeconds()));
                continue;
            }
            if (m.size() >= config.dHi() && !outbound(p.id)) {
                // full: only outbound peers may still join (so inbound sybils cannot fill the
                // mesh); point it elsewhere
                setBackoff(p.id, topic, backoffSeconds());
                pruneBack.add(
                        new PubsubRpc.Prune(topic, backoffSeconds(), peerExchange(topic, p.id)));
                continue;
            }
            p.topics.add(topic);
            addToMesh(topic, m, p.id);
        }
        if (!pruneBack.isEmpty()) {
            sendControl(p, List.of(), List.of(), pruneBack);
        }
    }

    private void onPrune(PeerState p, PubsubRpc.Prune pr) {
        Set<PeerId> m = mesh.get(pr.topic());
        if (m == null) {
            return; // not our topic: nothing to leave, no backoff or PX worth keeping
        }
        removeFromMesh(pr.topic(), m, p.id);
        long seconds =
                pr.backoffSeconds() > 0
                        ? Math.min(pr.backoffSeconds(), MAX_BACKOFF_S)
                        : backoffSeconds();
        // one heartbeat of slack: the pruning side clears its backoff only at its next heartbeat
        setBackoffUntil(
                p.id, pr.topic(), System.currentTimeMillis() + seconds * 1000 + heartbeatMillis);
        if (!pr.peers().isEmpty()) {
            acceptPeerExchange(p, pr.topic(), pr.peers());
        }
    }

    private void onIHave(PeerState p, List<PubsubRpc.IHave> ihaves) {
        if (score(p) < thresholds.gossip() || p.ihavesThisHeartbeat >= MAX_IHAVE_MESSAGES) {
            return;
        }
        p.ihavesThisHeartbeat++;
        // asked for in the peer's own form; tracked in the spec form
        List<byte[]> want = new ArrayList<>();
        List<Key> wantKeys = new ArrayList<>();
        Set<Key> asked = new HashSet<>();
        for (PubsubRpc.IHave ih : ihaves) {
            if (!mesh.containsKey(ih.topic())) {
                continue;
            }
            for (byte[] id : ih.ids()) {
                p.authorKeyIds |= MessageIds.isAuthorKeyForm(id);
                byte[] spec = MessageIds.toSpec(id);
                if (spec == null) {
                    continue;
                }
                Key k = Key.of(spec);
                if (p.idsAskedThisHeartbeat < MAX_IHAVE_LENGTH
                        && !seen.containsKey(k)
                        && asked.add(k)) {
                    p.idsAskedThisHeartbeat++;
                    want.add(id);
                    wantKeys.add(k);
                }
            }
        }
        if (want.isEmpty()) {
            return;
        }
        // promise tracking: one random asked id must arrive in time or the advertiser is penalised
        Key tracked = wantKeys.get(ThreadLocalRandom.current().nextInt(want.size()));
        if (promises.size() < MAX_IWANT_PROMISES && !promises.containsKey(tracked)) {
            promises.put(
                    tracked,
                    new Promise(
                            p.id, System.currentTimeMillis() + config.iwantFollowup().toMillis()));
        }
        send(
                p,
                PubsubRpc.of(
                                List.of(),
                                List.of(),
                                new PubsubRpc.Control(List.of(), want, List.of(), List.of()))
                        .encode());
    }

    private void onIWant(PeerState p, List<byte[]> ids) {
        if (score(p) < thresholds.gossip()) {
            return;
        }
        List<PubsubRpc.Message> msgs = new ArrayList<>();
        for (byte[] id : ids) {
            p.authorKeyIds |= MessageIds.isAuthorKeyForm(id);
            byte[] spec = MessageIds.toSpec(id);
            if (spec == null) {
                continue;
            }
            Key k = Key.of(spec);
            PubsubRpc.Message m = mcache.get(k);
            if (m == null || msgs.size() >= 256) {
                continue;
            }
            Map<PeerId, Integer> sent = transmissions.computeIfAbsent(k, x -> new HashMap<>());
            int n = sent.merge(p.id, 1, Integer::sum);
            if (n <= config.gossipRetransmission()) {
                msgs.add(m);
            }
        }
        if (!msgs.isEmpty()) {
            send(p, PubsubRpc.of(List.of(), msgs, null).encode());
        }
    }

    // ---- peer exchange ------------------------------------------------------------------

    /**
     * @return up to pxPeers other peers of {@code topic} with a non-negative score, for a PRUNE to
     *     {@code pruned}
     */
    private List<PubsubRpc.PxPeer> peerExchange(String topic, PeerId pruned) {
        PeerState target = peers.get(pruned);
        if (config.pxPeers() == 0 || target == null || score(target) < 0) {
            return List.of(); // no PX towards peers with a negative score
        }
        List<PeerState> offered = new ArrayList<>();
        for (PeerState p : peers.values()) {
            if (!p.id.equals(pruned) && p.topics.contains(topic) && !p.floodsub && score(p) >= 0) {
                offered.add(p);
            }
        }
        Collections.shuffle(offered);
        List<PubsubRpc.PxPeer> out = new ArrayList<>();
        for (PeerState p : offered.subList(0, Math.min(config.pxPeers(), offered.size()))) {
            // this node holds no signed records of others, so only the id goes out; the receiver
            // looks addresses up
            out.add(new PubsubRpc.PxPeer(p.id.toBytes(), null));
        }
        return out;
    }

    /** Connects to (some of) the peers a PRUNE offered, if its sender's score earns that trust. */
    private void acceptPeerExchange(PeerState from, String topic, List<PubsubRpc.PxPeer> offered) {
        double s = score(from);
        if (s < thresholds.acceptPX()) {
            logger.debug(
                    "Ignoring PX from {} on {}: score {} below {}",
                    from.id,
                    topic,
                    s,
                    thresholds.acceptPX());
            return;
        }
        List<PubsubRpc.PxPeer> shuffled = new ArrayList<>(offered);
        Collections.shuffle(shuffled);
        int taken = 0;
        for (PubsubRpc.PxPeer px : shuffled) {
            if (taken >= config.pxAccept() || pxDialing.size() >= config.pxMaxPendingDials()) {
                break;
            }
            PeerId peer;
            try {
                peer = PeerId.fromBytes(px.peerId() == null ? new byte[0] : px.peerId());
            } catch (MalformedInputException | IllegalArgumentException e) {
                continue;
            }
            if (peer.equals(identity.peerId())
                    || host.connection(peer).isPresent()
                    || pxDialing.contains(peer)) {
                continue;
            }
            taken++;
            List<Multiaddr> signed =
                    px.signedPeerRecord() == null
                            ? List.of()
                            : SignedPeerRecord.open(px.signedPeerRecord(), peer)
                                    .map(SignedPeerRecord::addresses)
                                    .orElse(List.of());
            pxDialing.add(peer);
            CompletableFuture<List<Multiaddr>> addrs;
            try {
                addrs =
                        signed.isEmpty()
                                ? addressBook.addresses(peer)
                                : CompletableFuture.completedFuture(signed);
            } catch (RuntimeException e) {
                addrs = CompletableFuture.failedFuture(e);
            }
            addrs.thenCompose(
                            a ->
                                    dialAny(
                                            peer,
                                            a.stream().limit(MAX_PX_ADDRESSES_TRIED).toList(),
                                            0))
                    .whenComplete(
                            (c, e) ->
                                    exec(
                                            () -> {
                                                pxDialing.remove(peer);
                                                if (e != null) {
                                                    logger.debug(
                                                            "PX dial of {} failed: {}",
                                                            peer,
                                                            e.toString());
                                                } else {
                                                    pxConnections++;
                                                    logger.debug(
                                                            "Connected to {} through PX from {}",
                                                            peer,
                                                            from.id);
                                                }
                                            }));
        }
    }

    private CompletableFuture<Connection> dialAny(PeerId peer, List<Multiaddr> addrs, int i) {
        if (i >= addrs.size()) {
            return CompletableFuture.failedFuture(
                    new IllegalStateException("no reachable address for " + peer));
        }
        Multiaddr a = addrs.get(i);
        Multiaddr withId = a.peerId().isPresent() ? a : a.withPeerId(peer);
        CompletableFuture<Connection> attempt;
        try {
            attempt = host.dial(withId);
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        return attempt.handle(
                        (c, e) ->
                                e == null
                                        ? CompletableFuture.completedFuture(c)
                                        : dialAny(peer, addrs, i + 1))
                .thenCompose(x -> x);
    }

    // ---- heartbeat ----------------------------------------------------------------------

    private void decayScores() {
        try {
            score.refresh();
        } catch (RuntimeException e) {
            logger.warn("gossipsub score decay failed", e);
        }
    }

    private void heartbeat() {
        try {
            long now = System.currentTimeMillis();
            heartbeatTicks++;
            Map<PeerState, Outbox> out = new HashMap<>();
            for (PeerState p : peers.values()) {
                p.ihavesThisHeartbeat = 0;
                p.idsAskedThisHeartbeat = 0;
            }
            applyBrokenPromises(now);
            for (Map.Entry<String, Set<PeerId>> e : mesh.entrySet()) {
                maintainMesh(e.getKey(), e.getValue(), out);
                gossip(e.getKey(), e.getValue(), out);
            }
            for (Iterator<Map.Entry<String, Long>> it = fanoutLastPublish.entrySet().iterator();
                    it.hasNext(); ) {
                Map.Entry<String, Long> e = it.next();
                if (now - e.getValue() > FANOUT_TTL_MS) {
                    it.remove();
                    fanout.remove(e.getKey());
                } else {
                    Set<PeerId> fo = fanout.computeIfAbsent(e.getKey(), t -> new HashSet<>());
                    fo.removeIf(
                            id ->
                                    !peers.containsKey(id)
                                            || !peers.get(id).topics.contains(e.getKey())
                                            || score.score(id) < thresholds.publish());
                    gossip(e.getKey(), fo, out);
                }
            }
            for (Map.Entry<PeerState, Outbox> e : out.entrySet()) {
                Outbox o = e.getValue();
                sendControl(e.getKey(), o.ihave, o.graft, o.prune);
            }
            shiftCache();
            expireSeen(now);
            backoff.entrySet().removeIf(x -> x.getValue() < now);
        } catch (RuntimeException e) {
            logger.warn("gossipsub heartbeat failed", e);
        }
    }

    private void maintainMesh(String topic, Set<PeerId> m, Map<PeerState, Outbox> out) {
        for (PeerId id : new ArrayList<>(m)) {
            PeerState p = peers.get(id);
            if (p == null || !p.topics.contains(topic)) {
                removeFromMesh(topic, m, id);
            } else if (score(p) < 0) {
                // negative: out of the mesh, without PX
                removeFromMesh(topic, m, id);
                prune(p, topic, false, out);
            }
        }
        if (m.size() < config.dLo()) {
            for (PeerState p : candidates(topic, m)) {
                if (m.size() >= config.d()) {
                    break;
                }
                graft(p, topic, m, out);
            }
        }
        if (m.size() > config.dHi()) {
            pruneOversubscribed(topic, m, out);
        }
        if (m.size() >= config.dLo()) {
            int outboundPeers = (int) m.stream().filter(this::outbound).count();
            if (outboundPeers < config.dOut()) {
                int missing = config.dOut() - outboundPeers;
                for (PeerState p : candidates(topic, m)) {
                    if (missing == 0) {
                        break;
                    }
                    if (outbound(p.id)) {
                        graft(p, topic, m, out);
                        missing--;
                    }
                }
            }
        }
        if (heartbeatTicks % config.opportunisticGraftTicks() == 0 && m.size() > 1) {
            opportunisticGraft(topic, m, out);
        }
    }

    /**
     * Keeps D_score best-scoring peers and random others up to D, with at least D_out outbound
     * ones; PX to the rest.
     */
    private void pruneOversubscribed(String topic, Set<PeerId> m, Map<PeerState, Outbox> out) {
        List<PeerState> members = new ArrayList<>();
        m.forEach(id -> members.add(peers.get(id)));
        Collections.shuffle(members); // ties in score are broken at random
        members.sort((a, b) -> Double.compare(score(b), score(a)));
        List<PeerState> keep =
                new ArrayList<>(members.subList(0, Math.min(config.dScore(), members.size())));
        List<PeerState> rest = new ArrayList<>(members.subList(keep.size(), members.size()));
        Collections.shuffle(rest);
        keep.addAll(rest.subList(0, Math.max(0, Math.min(config.d() - keep.size(), rest.size()))));
        rest.removeAll(keep);
        // outbound quota: swap pruned outbound peers in for kept inbound ones, random picks and low
        // scores first
        int outboundKept = (int) keep.stream().filter(p -> outbound(p.id)).count();
        for (int i = keep.size() - 1; i >= 0 && outboundKept < config.dOut(); i--) {
            if (outbound(keep.get(i).id)) {
                continue;
            }
            PeerState replacement =
                    rest.stream().filter(p -> outbound(p.id)).findFirst().orElse(null);
            if (replacement == null) {
                break;
            }
            rest.remove(replacement);
            rest.add(keep.set(i, replacement));
            outboundKept++;
        }
        for (PeerState p : rest) {
            removeFromMesh(topic, m, p.id);
            prune(p, topic, true, out);
        }
    }

    /**
     * When the median mesh score is low, grafts a few peers scoring above it (spec: opportunistic
     * grafting).
     */
    private void opportunisticGraft(String topic, Set<PeerId> m, Map<PeerState, Outbox> out) {
        List<Double> scores = new ArrayList<>();
        m.forEach(id -> scores.add(score.score(id)));
        Collections.sort(scores);
        double median = scores.get(scores.size() / 2);
        if (median >= thresholds.opportunisticGraft()) {
            return;
        }
        int grafted = 0;
        for (PeerState p : candidates(topic, m)) {
            if (grafted >= config.opportunisticGraftPeers()) {
                break;
            }
            if (score(p) > median) {
                logger.debug(
                        "Opportunistically grafting {} on {} (median mesh score {})",
                        p.id,
                        topic,
                        median);
                graft(p, topic, m, out);
                grafted++;
            }
        }
    }

    private void graft(PeerState p, String topic, Set<PeerId> m, Map<PeerState, Outbox> out) {
        addToMesh(topic, m, p.id);
        out.computeIfAbsent(p, x -> new Outbox()).graft.add(topic);
    }

    private void prune(PeerState p, String topic, boolean withPx, Map<PeerState, Outbox> out) {
        List<PubsubRpc.PxPeer> px = withPx ? peerExchange(topic, p.id) : List.of();
        out.computeIfAbsent(p, x -> new Outbox())
                .prune
                .add(new PubsubRpc.Prune(topic, backoffSeconds(), px));
        setBackoff(p.id, topic, backoffSeconds());
    }

    /**
     * A peer that advertised a message with IHAVE and did not deliver it after our IWANT gets a P7
     * penalty.
     */
    private void applyBrokenPromises(long now) {
        for (Iterator<Map.Entry<Key, Promise>> it = promises.entrySet().iterator();
                it.hasNext(); ) {
            Map.Entry<Key, Promise> e = it.next();
            if (e.getValue().deadline() > now) {
                continue;
            }
            it.remove();
            if (!seen.containsKey(e.getKey())) {
                logger.debug("{} did not deliver a message it advertised", e.getValue().peer());
                score.addPenalty(e.getValue().peer(), 1);
            }
        }
    }

    private void gossip(String topic, Set<PeerId> exclude, Map<PeerState, Outbox> out) {
        List<byte[]> ids = new ArrayList<>();
        List<PubsubRpc.Message> msgs = new ArrayList<>();
        int w = 0;
        for (Iterator<List<Key>> it = mcacheWindows.descendingIterator();
                it.hasNext() && w < MCACHE_GOSSIP;
                w++) {
            for (Key k : it.next()) {
                PubsubRpc.Message m = mcache.get(k);
                if (m != null && topic.equals(m.topic()) && ids.size() < MAX_IHAVE_LENGTH) {
                    ids.add(k.array());
                    msgs.add(m);
                }
            }
        }
        if (ids.isEmpty()) {
            return;
        }
        List<PeerState> targets = new ArrayList<>();
        for (PeerState p : peers.values()) {
            if (p.topics.contains(topic)
                    && !p.floodsub
                    && !exclude.contains(p.id)
                    && score(p) >= thresholds.gossip()) {
                targets.add(p);
            }
        }
        Collections.shuffle(targets);
        int n = Math.max(config.dLazy(), (int) (targets.size() * config.gossipFactor()));
        List<byte[]> keyIds = null;
        for (PeerState p : targets.subList(0, Math.min(n, targets.size()))) {
            boolean js = p.authorKeyIds || authorKeyIdPeers.test(p.id);
            if (js && keyIds == null) {
                keyIds = authorKeyForms(ids, msgs);
            }
            out.computeIfAbsent(p, x -> new Outbox())
                    .ihave
                    .add(new PubsubRpc.IHave(topic, js ? keyIds : ids));
        }
    }

    /** js-libp2p's ids of cached messages (their authors' keys were checked on arrival). */
    private static List<byte[]> authorKeyForms(List<byte[]> ids, List<PubsubRpc.Message> msgs) {
        List<byte[]> out = new ArrayList<>(ids.size());
        for (PubsubRpc.Message m : msgs) {
            byte[] key = PeerId.fromBytes(m.from()).inlinePublicKey();
            out.add(MessageIds.authorKeyForm(key != null ? key : m.key(), m.seqno()));
        }
        return out;
    }

    /**
     * Names peers known to use js-libp2p's message ids (author key + seqno, e.g. by their identify
     * agent) before they show it in their own IHAVE or IWANT; IHAVE to them uses that form.
     */
    public void setAuthorKeyIdPeers(java.util.function.Predicate<PeerId> peers) {
        this.authorKeyIdPeers = peers;
    }

    private void cache(Key id, PubsubRpc.Message m) {
        if (mcacheWindows.isEmpty()) {
            mcacheWindows.add(new ArrayList<>());
        }
        mcache.put(id, m);
        mcacheWindows.peekLast().add(id);
    }

    private void shiftCache() {
        mcacheWindows.addLast(new ArrayList<>());
        while (mcacheWindows.size() > MCACHE_LENGTH) {
            for (Key k : mcacheWindows.pollFirst()) {
                mcache.remove(k);
                transmissions.remove(k);
            }
        }
    }

    /**
     * {@link #seen} is in the order of its times ({@link #markSeen}), so the sweep stops at the
     * first id still fresh instead of walking every id of the last two minutes each heartbeat.
     */
    private void expireSeen(long now) {
        Iterator<Long> it = seen.values().iterator();
        while (it.hasNext() && now - it.next() > SEEN_TTL_MS) {
            it.remove();
        }
    }

    private void markSeen(Key id) {
        long now = System.currentTimeMillis();
        if (seen.put(id, now) != null) {
            // seen again: moved to the end, keeping the map in the order of its times
            seen.remove(id);
            seen.put(id, now);
        }
        // bound the cache even under a flood within one TTL
        while (seen.size() > 200_000) {
            Iterator<Key> it = seen.keySet().iterator();
            it.next();
            it.remove();
        }
    }

    private boolean inBackoff(PeerId id, String topic) {
        Long until = backoff.get(id + "/" + topic);
        return until != null && until > System.currentTimeMillis();
    }

    private void setBackoff(PeerId id, String topic, long seconds) {
        setBackoffUntil(id, topic, System.currentTimeMillis() + seconds * 1000);
    }

    private void setBackoffUntil(PeerId id, String topic, long until) {
        String key = id + "/" + topic;
        if (backoff.size() >= MAX_BACKOFF_ENTRIES && !backoff.containsKey(key)) {
            backoff.entrySet().removeIf(x -> x.getValue() < System.currentTimeMillis());
            if (backoff.size() >= MAX_BACKOFF_ENTRIES) {
                return;
            }
        }
        backoff.merge(key, until, Math::max);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
