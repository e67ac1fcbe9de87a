package ai.hanzo.node.p2p.internal.pubsub;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.p2p.PubsubMessage;
import ai.hanzo.node.p2p.internal.codec.LengthPrefixed;
import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
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
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * gossipsub v1.1 ({@code /meshsub/1.1.0}, also accepting 1.0.0 and floodsub peers): StrictSign messages, message
 * id = author key + seqno (as js-libp2p computes it), meshes with D=6, D_lo=4, D_hi=12, a
 * heartbeat that keeps them in range, GRAFT/PRUNE with backoff, IHAVE/IWANT gossip from a
 * message cache, a seen-cache, flood publishing, and basic peer scoring (first deliveries,
 * invalid messages, behaviour penalty) with gossip, publish and graylist thresholds.
 * All state lives on one event loop.
 */
public final class Gossipsub {
    /** gossipsub v1.1. */
    public static final String MESHSUB_11 = "/meshsub/1.1.0";
    /** gossipsub v1.0. */
    public static final String MESHSUB_10 = "/meshsub/1.0.0";
    /** floodsub: such peers get every message of their topics and no control messages. */
    public static final String FLOODSUB = "/floodsub/1.0.0";
    static final int D = 6;
    static final int D_LO = 4;
    static final int D_HI = 12;
    static final int D_LAZY = 6;
    static final int D_SCORE = 4;
    static final int MCACHE_LENGTH = 5;
    static final int MCACHE_GOSSIP = 3;
    static final long SEEN_TTL_MS = 120_000;
    static final long FANOUT_TTL_MS = 60_000;
    static final long PRUNE_BACKOFF_S = 60;
    static final int MAX_RPC = 1 << 20;
    static final int MAX_IHAVE_LENGTH = 5000;
    static final int MAX_IHAVE_MESSAGES = 10;
    static final int MAX_PENDING_RPCS = 256;
    static final long MAX_QUEUED_BYTES = 8L << 20;
    static final double GOSSIP_THRESHOLD = -10;
    static final double PUBLISH_THRESHOLD = -50;
    static final double GRAYLIST_THRESHOLD = -80;
    static final double SCORE_DECAY = 0.9;
    private static final byte[] SIGN_PREFIX = "libp2p-pubsub:".getBytes(StandardCharsets.US_ASCII);

    private final Logger logger = LoggerFactory.getLogger(Gossipsub.class);
    private final Libp2pHost host;
    private final IdentityKey identity;
    private final EventExecutor loop;
    private final Duration heartbeatInterval;
    private final Map<PeerId, PeerState> peers = new HashMap<>();
    private final Map<String, Set<PeerId>> mesh = new HashMap<>();
    private final Map<String, Set<PeerId>> fanout = new HashMap<>();
    private final Map<String, Long> fanoutLastPublish = new HashMap<>();
    private final Map<String, List<Registration>> handlers = new HashMap<>();
    private final Map<String, Long> backoff = new HashMap<>();
    private final LinkedHashMap<Key, Long> seen = new LinkedHashMap<>();
    private final Map<Key, PubsubRpc.Message> mcache = new HashMap<>();
    private final ArrayDeque<List<Key>> mcacheWindows = new ArrayDeque<>();
    private long seqno = System.currentTimeMillis() << 20;
    private ScheduledFuture<?> heartbeat;

    /** A byte[] usable as a map key. */
    record Key(ByteBuffer bytes) {
        static Key of(byte[] b) {
            return new Key(ByteBuffer.wrap(b));
        }

        byte[] array() {
            return bytes.array();
        }
    }

    private static final class Registration {
        final Consumer<PubsubMessage> handler;
        volatile boolean active = true;

        Registration(Consumer<PubsubMessage> handler) {
            this.handler = handler;
        }
    }

    private static final class PeerState {
        final PeerId id;
        YamuxStream out;
        boolean opening;
        boolean floodsub;
        final ArrayDeque<byte[]> pending = new ArrayDeque<>();
        final Set<String> topics = new HashSet<>();
        double firstDeliveries;
        double invalidMessages;
        double behaviourPenalty;
        int ihavesThisHeartbeat;

        PeerState(PeerId id) {
            this.id = id;
        }

        double score() {
            double p2 = Math.min(firstDeliveries, 100);
            double p4 = -10 * invalidMessages * invalidMessages;
            double excess = Math.max(0, behaviourPenalty - 1);
            double p7 = -10 * excess * excess;
            return p2 + p4 + p7;
        }
    }

    /** Per-heartbeat control batched per peer. */
    private static final class Outbox {
        final List<PubsubRpc.IHave> ihave = new ArrayList<>();
        final List<String> graft = new ArrayList<>();
        final List<PubsubRpc.Prune> prune = new ArrayList<>();
    }

    /** Registers the protocol on {@code host} and starts the heartbeat. */
    public Gossipsub(Libp2pHost host, Duration heartbeatInterval) {
        this.host = host;
        this.identity = host.identity();
        this.loop = host.group().next();
        this.heartbeatInterval = heartbeatInterval;
        host.handle(MESHSUB_11, InboundReader::new);
        host.handle(MESHSUB_10, InboundReader::new);
        host.handle(FLOODSUB, InboundReader::new);
        host.addListener(new Libp2pHost.ConnectionListener() {
            @Override
            public void connected(Connection c) {
                exec(() -> ensureOutbound(c.remotePeer()));
            }

            @Override
            public void disconnected(Connection c) {
                exec(() -> {
                    if (host.connection(c.remotePeer()).isEmpty()) {
                        removePeer(c.remotePeer());
                    } else {
                        PeerState p = peers.get(c.remotePeer());
                        if (p != null && p.out != null && p.out.session() == c.session()) {
                            p.out = null;
                            ensureOutbound(c.remotePeer());
                        }
                    }
                });
            }
        });
        heartbeat = loop.scheduleAtFixedRate(this::heartbeat, heartbeatInterval.toMillis(), heartbeatInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the heartbeat. */
    public void close() {
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
    }

    /** Runs on the router loop; after shutdown there is nothing left to do, so the task is dropped. */
    private void exec(Runnable r) {
        try {
            loop.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            logger.trace("Dropped a task after shutdown");
        }
    }

    // ---- public operations -------------------------------------------------------------

    /**
     * Signs and floods a message to every topic peer whose score allows it.
     *
     * @return completes when handed to at least one peer; fails when no peer subscribes
     */
    public CompletableFuture<Void> publish(String topic, byte[] data) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        exec(() -> {
            try {
                byte[] seq = ByteBuffer.allocate(8).putLong(seqno++).array();
                byte[] from = identity.peerId().toBytes();
                PubsubRpc.Message unsigned = new PubsubRpc.Message(from, data, seq, topic, null, null);
                byte[] sig = identity.sign(concat(SIGN_PREFIX, unsigned.signedBytes()));
                PubsubRpc.Message m = new PubsubRpc.Message(from, data, seq, topic, sig, null);
                Key id = Key.of(concat(identity.publicKeyProtobuf(), seq));
                markSeen(id);
                cache(id, m);
                List<PeerState> targets = new ArrayList<>();
                for (PeerState p : peers.values()) {
                    if (p.topics.contains(topic) && p.score() >= PUBLISH_THRESHOLD) {
                        targets.add(p);
                    }
                }
                if (targets.isEmpty()) {
                    f.completeExceptionally(new IllegalStateException("no connected peer subscribes to " + topic));
                    return;
                }
                if (!mesh.containsKey(topic)) {
                    fanoutLastPublish.put(topic, System.currentTimeMillis());
                    Set<PeerId> fo = fanout.computeIfAbsent(topic, t -> new HashSet<>());
                    for (PeerState p : targets) {
                        if (fo.size() < D) {
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
        exec(() -> {
            List<Registration> list = handlers.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>());
            list.add(r);
            if (list.size() == 1 && r.active) {
                join(topic);
            }
        });
        return () -> {
            r.active = false;
            exec(() -> {
                List<Registration> list = handlers.get(topic);
                if (list != null && list.remove(r) && list.isEmpty()) {
                    handlers.remove(topic);
                    leave(topic);
                }
            });
        };
    }

    /** @return the mesh peers of {@code topic} (a snapshot, for tests and status) */
    public CompletableFuture<Set<PeerId>> meshPeers(String topic) {
        return onLoop(() -> Set.copyOf(mesh.getOrDefault(topic, Set.of())));
    }

    /** @return the peers known to subscribe to {@code topic} */
    public CompletableFuture<Set<PeerId>> topicPeers(String topic) {
        return onLoop(() -> {
            Set<PeerId> out = new HashSet<>();
            peers.values().stream().filter(p -> p.topics.contains(topic)).forEach(p -> out.add(p.id));
            return Set.copyOf(out);
        });
    }

    /** @return the score of {@code peer}, 0 when unknown */
    public CompletableFuture<Double> score(PeerId peer) {
        return onLoop(() -> peers.containsKey(peer) ? peers.get(peer).score() : 0.0);
    }

    private <T> CompletableFuture<T> onLoop(java.util.function.Supplier<T> s) {
        CompletableFuture<T> f = new CompletableFuture<>();
        exec(() -> {
            try {
                f.complete(s.get());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    // ---- membership ---------------------------------------------------------------------

    private void join(String topic) {
        for (PeerState p : peers.values()) {
            send(p, PubsubRpc.of(List.of(new PubsubRpc.SubOpts(true, topic)), List.of(), null).encode());
        }
        Set<PeerId> m = new HashSet<>();
        Set<PeerId> fo = fanout.remove(topic);
        fanoutLastPublish.remove(topic);
        if (fo != null) {
            for (PeerId id : fo) {
                PeerState p = peers.get(id);
                if (p != null && p.score() >= 0 && m.size() < D) {
                    m.add(id);
                }
            }
        }
        List<PeerState> candidates = candidates(topic, m);
        for (PeerState p : candidates) {
            if (m.size() >= D) {
                break;
            }
            m.add(p.id);
        }
        mesh.put(topic, m);
        for (PeerId id : m) {
            sendControl(peers.get(id), List.of(), List.of(topic), List.of());
        }
    }

    private void leave(String topic) {
        Set<PeerId> m = mesh.remove(topic);
        for (PeerState p : peers.values()) {
            send(p, PubsubRpc.of(List.of(new PubsubRpc.SubOpts(false, topic)), List.of(), null).encode());
        }
        if (m != null) {
            for (PeerId id : m) {
                PeerState p = peers.get(id);
                if (p != null) {
                    sendControl(p, List.of(), List.of(), List.of(new PubsubRpc.Prune(topic, PRUNE_BACKOFF_S)));
                    setBackoff(id, topic, PRUNE_BACKOFF_S);
                }
            }
        }
    }

    private List<PeerState> candidates(String topic, Set<PeerId> exclude) {
        List<PeerState> out = new ArrayList<>();
        for (PeerState p : peers.values()) {
            if (p.topics.contains(topic) && !p.floodsub && !exclude.contains(p.id) && !inBackoff(p.id, topic) && p.score() >= 0) {
                out.add(p);
            }
        }
        Collections.shuffle(out);
        return out;
    }

    // ---- peers and streams --------------------------------------------------------------

    private PeerState peer(PeerId id) {
        return peers.computeIfAbsent(id, PeerState::new);
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
        host.newStream(conn.get(), List.of(MESHSUB_11, MESHSUB_10, FLOODSUB), new StreamHandler() {
            @Override
            public void onData(YamuxStream stream, ByteBuf in) {
                in.skipBytes(in.readableBytes()); // the peer sends on its own stream
            }

            @Override
            public void onRemoteClose(YamuxStream stream) {
                // keep writing: half-closed by the peer is fine for an outbound-only stream
            }

            @Override
            public void onClosed(YamuxStream stream) {
                exec(() -> {
                    if (p.out == stream) {
                        p.out = null;
                    }
                });
            }
        }).whenComplete((stream, e) -> exec(() -> {
            p.opening = false;
            if (e != null) {
                logger.debug("{} does not speak gossipsub: {}", id, e.toString());
                return;
            }
            if (peers.get(id) != p) {
                stream.reset();
                return;
            }
            p.out = stream;
            p.floodsub = FLOODSUB.equals(stream.protocol());
            if (!handlers.isEmpty()) {
                List<PubsubRpc.SubOpts> subs = new ArrayList<>();
                handlers.keySet().forEach(t -> subs.add(new PubsubRpc.SubOpts(true, t)));
                writeFrame(p, PubsubRpc.of(subs, List.of(), null).encode());
            }
            while (!p.pending.isEmpty()) {
                writeFrame(p, p.pending.poll());
            }
        }));
    }

    private void removePeer(PeerId id) {
        PeerState p = peers.remove(id);
        if (p == null) {
            return;
        }
        mesh.values().forEach(s -> s.remove(id));
        fanout.values().forEach(s -> s.remove(id));
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

    private void sendControl(PeerState p, List<PubsubRpc.IHave> ihave, List<String> graft, List<PubsubRpc.Prune> prune) {
        if (p == null || p.floodsub) {
            return;
        }
        send(p, PubsubRpc.of(List.of(), List.of(), new PubsubRpc.Control(ihave, List.of(), graft, prune)).encode());
    }

    /** Reads length-prefixed RPCs from a stream the peer opened. */
    private final class InboundReader implements StreamHandler {
        @Override
        public void onActive(YamuxStream stream) {
            PeerId id = stream.session().remotePeer();
            exec(() -> ensureOutbound(id));
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
                    logger.info("Resetting gossipsub stream from {}: undecodable RPC: {}", id, e.getMessage());
                    exec(() -> {
                        PeerState p = peers.get(id);
                        if (p != null) {
                            p.behaviourPenalty += 1;
                        }
                    });
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
        if (p.score() < GRAYLIST_THRESHOLD) {
            logger.debug("Ignoring RPC from graylisted peer {}", from);
            return;
        }
        for (PubsubRpc.SubOpts s : rpc.subscriptions()) {
            if (s.subscribe()) {
                if (p.topics.size() < 1000) {
                    p.topics.add(s.topic());
                }
            } else {
                p.topics.remove(s.topic());
                Set<PeerId> m = mesh.get(s.topic());
                if (m != null) {
                    m.remove(from);
                }
            }
        }
        for (PubsubRpc.Message m : rpc.messages()) {
            onMessage(p, m);
        }
        onControl(p, rpc.control());
    }

    private void onMessage(PeerState src, PubsubRpc.Message m) {
        Key id;
        PeerId author;
        try {
            if (m.topic() == null || m.from() == null || m.seqno() == null || m.seqno().length != 8 || m.signature() == null) {
                throw new MalformedInputException("unsigned or incomplete message (StrictSign)");
            }
            author = PeerId.fromBytes(m.from());
            byte[] key = author.inlinePublicKey();
            if (key == null) {
                if (m.key() == null || !PeerId.fromPublicKey(m.key()).equals(author)) {
                    throw new MalformedInputException("message key does not match its author");
                }
                key = m.key();
            }
            id = Key.of(concat(key, m.seqno()));
            if (seen.containsKey(id)) {
                return;
            }
            if (!IdentityKey.verify(key, concat(SIGN_PREFIX, m.signedBytes()), m.signature())) {
                markSeen(id);
                throw new MalformedInputException("bad message signature");
            }
        } catch (MalformedInputException e) {
            src.invalidMessages += 1;
            logger.debug("Rejected message from {} on {}: {}", src.id, m.topic(), e.getMessage());
            return;
        }
        markSeen(id);
        cache(id, m);
        src.firstDeliveries += 1;
        List<Registration> regs = handlers.get(m.topic());
        if (regs != null && !author.equals(identity.peerId())) {
            PubsubMessage msg = new PubsubMessage(m.topic(), author.toBase58(), ByteBuffer.wrap(m.seqno()).getLong(),
                    m.data() == null ? new byte[0] : m.data(), Instant.now());
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

    private void onControl(PeerState p, PubsubRpc.Control c) {
        if (c.isEmpty()) {
            return;
        }
        List<PubsubRpc.Prune> pruneBack = new ArrayList<>();
        for (String topic : c.graft()) {
            if (!mesh.containsKey(topic)) {
                // not subscribed: no PRUNE needed per spec, but telling the peer is cheap and polite
                pruneBack.add(new PubsubRpc.Prune(topic, PRUNE_BACKOFF_S));
                continue;
            }
            if (inBackoff(p.id, topic)) {
                p.behaviourPenalty += 1;
                pruneBack.add(new PubsubRpc.Prune(topic, PRUNE_BACKOFF_S));
                continue;
            }
            if (p.score() < 0) {
                pruneBack.add(new PubsubRpc.Prune(topic, PRUNE_BACKOFF_S));
                continue;
            }
            p.topics.add(topic);
            mesh.get(topic).add(p.id);
        }
        if (!pruneBack.isEmpty()) {
            sendControl(p, List.of(), List.of(), pruneBack);
        }
        for (PubsubRpc.Prune pr : c.prune()) {
            Set<PeerId> m = mesh.get(pr.topic());
            if (m != null) {
                m.remove(p.id);
            }
            setBackoff(p.id, pr.topic(), pr.backoffSeconds() > 0 ? Math.min(pr.backoffSeconds(), 3600) : PRUNE_BACKOFF_S);
        }
        if (!c.ihave().isEmpty() && p.score() >= GOSSIP_THRESHOLD && p.ihavesThisHeartbeat < MAX_IHAVE_MESSAGES) {
            p.ihavesThisHeartbeat++;
            List<byte[]> want = new ArrayList<>();
            for (PubsubRpc.IHave ih : c.ihave()) {
                if (!mesh.containsKey(ih.topic())) {
                    continue;
                }
                for (byte[] id : ih.ids()) {
                    if (want.size() < MAX_IHAVE_LENGTH && !seen.containsKey(Key.of(id))) {
                        want.add(id);
                    }
                }
            }
            if (!want.isEmpty()) {
                send(p, PubsubRpc.of(List.of(), List.of(), new PubsubRpc.Control(List.of(), want, List.of(), List.of())).encode());
            }
        }
        if (!c.iwant().isEmpty() && p.score() >= GOSSIP_THRESHOLD) {
            List<PubsubRpc.Message> msgs = new ArrayList<>();
            for (byte[] id : c.iwant()) {
                PubsubRpc.Message m = mcache.get(Key.of(id));
                if (m != null && msgs.size() < 256) {
                    msgs.add(m);
                }
            }
            if (!msgs.isEmpty()) {
                send(p, PubsubRpc.of(List.of(), msgs, null).encode());
            }
        }
    }

    // ---- heartbeat ----------------------------------------------------------------------

    private void heartbeat() {
        try {
            long now = System.currentTimeMillis();
            Map<PeerState, Outbox> out = new HashMap<>();
            for (PeerState p : peers.values()) {
                p.firstDeliveries *= SCORE_DECAY;
                p.invalidMessages *= SCORE_DECAY;
                p.behaviourPenalty *= SCORE_DECAY;
                p.ihavesThisHeartbeat = 0;
            }
            for (Map.Entry<String, Set<PeerId>> e : mesh.entrySet()) {
                String topic = e.getKey();
                Set<PeerId> m = e.getValue();
                m.removeIf(id -> !peers.containsKey(id) || !peers.get(id).topics.contains(topic));
                for (Iterator<PeerId> it = m.iterator(); it.hasNext();) {
                    PeerState p = peers.get(it.next());
                    if (p.score() < 0) {
                        it.remove();
                        out.computeIfAbsent(p, x -> new Outbox()).prune.add(new PubsubRpc.Prune(topic, PRUNE_BACKOFF_S));
                        setBackoff(p.id, topic, PRUNE_BACKOFF_S);
                    }
                }
                if (m.size() < D_LO) {
                    for (PeerState p : candidates(topic, m)) {
                        if (m.size() >= D) {
                            break;
                        }
                        m.add(p.id);
                        out.computeIfAbsent(p, x -> new Outbox()).graft.add(topic);
                    }
                }
                if (m.size() > D_HI) {
                    List<PeerState> members = new ArrayList<>();
                    m.forEach(id -> members.add(peers.get(id)));
                    members.sort((a, b) -> Double.compare(b.score(), a.score()));
                    List<PeerState> keep = new ArrayList<>(members.subList(0, D_SCORE));
                    List<PeerState> rest = new ArrayList<>(members.subList(D_SCORE, members.size()));
                    Collections.shuffle(rest);
                    keep.addAll(rest.subList(0, D - D_SCORE));
                    for (PeerState p : members) {
                        if (!keep.contains(p)) {
                            m.remove(p.id);
                            out.computeIfAbsent(p, x -> new Outbox()).prune.add(new PubsubRpc.Prune(topic, PRUNE_BACKOFF_S));
                            setBackoff(p.id, topic, PRUNE_BACKOFF_S);
                        }
                    }
                }
                gossip(topic, m, out);
            }
            for (Iterator<Map.Entry<String, Long>> it = fanoutLastPublish.entrySet().iterator(); it.hasNext();) {
                Map.Entry<String, Long> e = it.next();
                if (now - e.getValue() > FANOUT_TTL_MS) {
                    it.remove();
                    fanout.remove(e.getKey());
                } else {
                    Set<PeerId> fo = fanout.computeIfAbsent(e.getKey(), t -> new HashSet<>());
                    fo.removeIf(id -> !peers.containsKey(id) || !peers.get(id).topics.contains(e.getKey()));
                    gossip(e.getKey(), fo, out);
                }
            }
            for (Map.Entry<PeerState, Outbox> e : out.entrySet()) {
                Outbox o = e.getValue();
                sendControl(e.getKey(), o.ihave, o.graft, o.prune);
            }
            shiftCache();
            seen.entrySet().removeIf(x -> now - x.getValue() > SEEN_TTL_MS);
            backoff.entrySet().removeIf(x -> x.getValue() < now);
        } catch (RuntimeException e) {
            logger.warn("gossipsub heartbeat failed", e);
        }
    }

    private void gossip(String topic, Set<PeerId> exclude, Map<PeerState, Outbox> out) {
        List<byte[]> ids = new ArrayList<>();
        int w = 0;
        for (Iterator<List<Key>> it = mcacheWindows.descendingIterator(); it.hasNext() && w < MCACHE_GOSSIP; w++) {
            for (Key k : it.next()) {
                PubsubRpc.Message m = mcache.get(k);
                if (m != null && topic.equals(m.topic()) && ids.size() < MAX_IHAVE_LENGTH) {
                    ids.add(k.array());
                }
            }
        }
        if (ids.isEmpty()) {
            return;
        }
        List<PeerState> targets = new ArrayList<>();
        for (PeerState p : peers.values()) {
            if (p.topics.contains(topic) && !exclude.contains(p.id) && p.score() >= GOSSIP_THRESHOLD) {
                targets.add(p);
            }
        }
        Collections.shuffle(targets);
        int n = Math.max(D_LAZY, targets.size() / 4);
        for (PeerState p : targets.subList(0, Math.min(n, targets.size()))) {
            out.computeIfAbsent(p, x -> new Outbox()).ihave.add(new PubsubRpc.IHave(topic, ids));
        }
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
            }
        }
    }

    private void markSeen(Key id) {
        seen.put(id, System.currentTimeMillis());
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
        backoff.put(id + "/" + topic, System.currentTimeMillis() + seconds * 1000);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
