package ai.hanzo.node.p2p.internal.pubsub;

import ai.hanzo.node.p2p.internal.identity.PeerId;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gossipsub v1.1 score function: per-topic counters (P1 time in mesh, P2 first deliveries, P3
 * mesh delivery deficit, P3b mesh failures, P4 invalid messages) and per-peer ones (P5 application
 * score, P6 IP colocation, P7 behaviour penalty), decayed by {@link #refresh()} once per decay
 * interval and kept for a while after a peer disconnects so that it cannot wipe a bad score by
 * reconnecting. Not thread-safe: the router calls it from its event loop only.
 */
final class PeerScore {
    /** Topics with counters per peer; a peer cannot grow state by naming endless topics. */
    static final int MAX_TOPICS_PER_PEER = 256;

    /** Disconnected peers whose score is kept; the oldest go first beyond this. */
    static final int MAX_RETAINED = 4096;

    /**
     * Message ids whose deliveries are tracked (for near-first and repeated invalid deliveries).
     */
    static final int MAX_DELIVERY_RECORDS = 50_000;

    /** Peers remembered per delivery record. */
    static final int MAX_PEERS_PER_DELIVERY = 64;

    /** How long a delivery record lives: longer than any near-first window. */
    static final long DELIVERY_RECORD_TTL_MS = 120_000;

    private final Logger logger = LoggerFactory.getLogger(PeerScore.class);
    private final PeerScoreParams params;
    private final LongSupplier clock;
    private final Map<PeerId, PeerStats> stats = new LinkedHashMap<>();
    private final Map<String, Set<PeerId>> peersByIp = new HashMap<>();
    private final LinkedHashMap<Gossipsub.Key, DeliveryRecord> deliveries = new LinkedHashMap<>();
    private int retained;

    /** Counters of one peer in one topic. */
    private static final class TopicStats {
        boolean inMesh;
        long graftedAt;
        double firstMessageDeliveries;
        double meshMessageDeliveries;
        double meshFailurePenalty;
        double invalidMessageDeliveries;
    }

    private static final class PeerStats {
        boolean connected = true;
        long expireAt;
        String ip;
        final Map<String, TopicStats> topics = new HashMap<>();
        double behaviourPenalty;
    }

    /** What became of a message: it decides what a later duplicate of it counts as. */
    private enum Outcome {
        VALID,
        INVALID,
        IGNORED
    }

    private static final class DeliveryRecord {
        final long firstSeen;
        final Outcome outcome;
        final Set<PeerId> peers = new HashSet<>();

        DeliveryRecord(long firstSeen, Outcome outcome) {
            this.firstSeen = firstSeen;
            this.outcome = outcome;
        }
    }

    /**
     * @param clock milliseconds; the router passes the wall clock, tests a controllable one
     */
    PeerScore(PeerScoreParams params, LongSupplier clock) {
        this.params = params;
        this.clock = clock;
    }

    PeerScoreParams params() {
        return params;
    }

    /**
     * A peer connected from {@code ip} ({@code null} when unknown); a retained score comes back.
     */
    void addPeer(PeerId id, String ip) {
        PeerStats s = stats.get(id);
        if (s == null) {
            s = new PeerStats();
            stats.put(id, s);
        } else if (!s.connected) {
            s.connected = true;
            retained--;
        }
        setIp(id, s, ip);
    }

    /**
     * A peer disconnected: it leaves its meshes (with P3b as for a prune) and its score is
     * retained.
     */
    void removePeer(PeerId id) {
        PeerStats s = stats.get(id);
        if (s == null || !s.connected) {
            return;
        }
        for (Map.Entry<String, TopicStats> e : s.topics.entrySet()) {
            leaveMesh(e.getValue(), params.topic(e.getKey()));
        }
        setIp(id, s, null);
        s.connected = false;
        s.expireAt = clock.getAsLong() + params.retainScore().toMillis();
        retained++;
        if (retained > MAX_RETAINED) {
            // insertion order approximates age; drop the oldest disconnected peer
            for (Iterator<PeerStats> it = stats.values().iterator(); it.hasNext(); ) {
                if (!it.next().connected) {
                    it.remove();
                    retained--;
                    break;
                }
            }
        }
    }

    /** {@code id} joined our mesh of {@code topic}. */
    void graft(PeerId id, String topic) {
        TopicStats t = topicStats(id, topic);
        if (t != null) {
            t.inMesh = true;
            t.graftedAt = clock.getAsLong();
        }
    }

    /** {@code id} left our mesh of {@code topic}; a delivery deficit at that time becomes P3b. */
    void prune(PeerId id, String topic) {
        TopicStats t = existingTopicStats(id, topic);
        if (t != null) {
            leaveMesh(t, params.topic(topic));
        }
    }

    private void leaveMesh(TopicStats t, TopicScoreParams p) {
        if (t.inMesh && p != null) {
            double deficit = meshDeficit(t, p);
            t.meshFailurePenalty += deficit * deficit;
        }
        t.inMesh = false;
    }

    /** {@code from} delivered a valid message we had not seen. */
    void firstDelivery(PeerId from, Gossipsub.Key id, String topic) {
        DeliveryRecord r = record(id, Outcome.VALID);
        r.peers.add(from);
        TopicStats t = topicStats(from, topic);
        TopicScoreParams p = params.topic(topic);
        if (t != null) {
            t.firstMessageDeliveries =
                    Math.min(p.firstMessageDeliveriesCap(), t.firstMessageDeliveries + 1);
            if (t.inMesh) {
                t.meshMessageDeliveries =
                        Math.min(p.meshMessageDeliveriesCap(), t.meshMessageDeliveries + 1);
            }
        }
    }

    /** {@code from} delivered an invalid message (bad signature, wrong key, ...). */
    void invalidDelivery(PeerId from, Gossipsub.Key id, String topic) {
        if (id != null) {
            record(id, Outcome.INVALID).peers.add(from);
        }
        countInvalid(from, topic);
    }

    /**
     * {@code from} delivered a message the application chose to ignore: no reward, no penalty, also
     * for duplicates.
     */
    void ignoredDelivery(PeerId from, Gossipsub.Key id) {
        record(id, Outcome.IGNORED).peers.add(from);
    }

    /**
     * {@code from} delivered a message already seen: within the window after a valid first delivery
     * it counts as a near-first mesh delivery; a repeated invalid message counts again as invalid.
     */
    void duplicateDelivery(PeerId from, Gossipsub.Key id, String topic) {
        DeliveryRecord r = deliveries.get(id);
        if (r == null || r.peers.contains(from)) {
            return;
        }
        if (r.peers.size() < MAX_PEERS_PER_DELIVERY) {
            r.peers.add(from);
        }
        if (r.outcome == Outcome.INVALID) {
            countInvalid(from, topic);
            return;
        }
        if (r.outcome == Outcome.IGNORED) {
            return;
        }
        TopicStats t = existingTopicStats(from, topic);
        TopicScoreParams p = params.topic(topic);
        if (t != null
                && t.inMesh
                && clock.getAsLong() - r.firstSeen <= p.meshMessageDeliveriesWindow().toMillis()) {
            t.meshMessageDeliveries =
                    Math.min(p.meshMessageDeliveriesCap(), t.meshMessageDeliveries + 1);
        }
    }

    private void countInvalid(PeerId from, String topic) {
        TopicStats t = topicStats(from, topic);
        if (t != null) {
            t.invalidMessageDeliveries += 1;
        }
    }

    /** Adds to P7 (e.g. GRAFT during backoff, broken IWANT promise, undecodable RPC). */
    void addPenalty(PeerId id, double count) {
        PeerStats s = stats.get(id);
        if (s != null) {
            s.behaviourPenalty += count;
        }
    }

    /** Decays every counter once and forgets retained scores that expired. */
    void refresh() {
        long now = clock.getAsLong();
        double zero = params.decayToZero();
        for (Iterator<PeerStats> it = stats.values().iterator(); it.hasNext(); ) {
            PeerStats s = it.next();
            if (!s.connected && now >= s.expireAt) {
                it.remove();
                retained--;
                continue;
            }
            for (Iterator<Map.Entry<String, TopicStats>> ti = s.topics.entrySet().iterator();
                    ti.hasNext(); ) {
                Map.Entry<String, TopicStats> e = ti.next();
                TopicScoreParams p = params.topic(e.getKey());
                TopicStats t = e.getValue();
                if (p == null) {
                    ti.remove();
                    continue;
                }
                t.firstMessageDeliveries =
                        decay(t.firstMessageDeliveries, p.firstMessageDeliveriesDecay(), zero);
                t.meshMessageDeliveries =
                        decay(t.meshMessageDeliveries, p.meshMessageDeliveriesDecay(), zero);
                t.meshFailurePenalty =
                        decay(t.meshFailurePenalty, p.meshFailurePenaltyDecay(), zero);
                t.invalidMessageDeliveries =
                        decay(t.invalidMessageDeliveries, p.invalidMessageDeliveriesDecay(), zero);
                if (!t.inMesh
                        && t.firstMessageDeliveries == 0
                        && t.meshMessageDeliveries == 0
                        && t.meshFailurePenalty == 0
                        && t.invalidMessageDeliveries == 0) {
                    ti.remove(); // nothing left to remember
                }
            }
            s.behaviourPenalty = decay(s.behaviourPenalty, params.behaviourPenaltyDecay(), zero);
        }
        for (Iterator<DeliveryRecord> it = deliveries.values().iterator(); it.hasNext(); ) {
            if (now - it.next().firstSeen <= DELIVERY_RECORD_TTL_MS) {
                break; // insertion order is time order
            }
            it.remove();
        }
    }

    private static double decay(double v, double factor, double zero) {
        double d = v * factor;
        return d < zero ? 0 : d;
    }

    /**
     * @return the score of {@code id}; 0 for a peer never seen
     */
    double score(PeerId id) {
        PeerStats s = stats.get(id);
        if (s == null) {
            return 0;
        }
        long now = clock.getAsLong();
        double topicsScore = 0;
        for (Map.Entry<String, TopicStats> e : s.topics.entrySet()) {
            TopicScoreParams p = params.topic(e.getKey());
            if (p == null) {
                continue;
            }
            TopicStats t = e.getValue();
            double topic = 0;
            if (t.inMesh) {
                double p1 =
                        Math.min(
                                p.timeInMeshCap(),
                                (double) (now - t.graftedAt) / p.timeInMeshQuantum().toMillis());
                topic += p.timeInMeshWeight() * p1;
                double deficit = meshDeficit(t, p);
                topic += p.meshMessageDeliveriesWeight() * deficit * deficit;
            }
            topic += p.firstMessageDeliveriesWeight() * t.firstMessageDeliveries;
            topic += p.meshFailurePenaltyWeight() * t.meshFailurePenalty;
            topic +=
                    p.invalidMessageDeliveriesWeight()
                            * t.invalidMessageDeliveries
                            * t.invalidMessageDeliveries;
            topicsScore += p.topicWeight() * topic;
        }
        if (params.topicScoreCap() > 0 && topicsScore > params.topicScoreCap()) {
            topicsScore = params.topicScoreCap();
        }
        double score = topicsScore;
        double p5 = appSpecific(id);
        score += params.appSpecificWeight() * p5;
        double p6 = ipColocation(s);
        score += params.ipColocationFactorWeight() * p6;
        double excess = s.behaviourPenalty - params.behaviourPenaltyThreshold();
        if (excess > 0) {
            score += params.behaviourPenaltyWeight() * excess * excess;
        }
        return score;
    }

    private double meshDeficit(TopicStats t, TopicScoreParams p) {
        boolean active =
                clock.getAsLong() - t.graftedAt > p.meshMessageDeliveriesActivation().toMillis();
        if (t.inMesh && active && t.meshMessageDeliveries < p.meshMessageDeliveriesThreshold()) {
            return p.meshMessageDeliveriesThreshold() - t.meshMessageDeliveries;
        }
        return 0;
    }

    private double appSpecific(PeerId id) {
        try {
            double v = params.appSpecificScore().applyAsDouble(id);
            return Double.isFinite(v) ? v : 0;
        } catch (RuntimeException e) {
            logger.warn("The application-specific score of {} failed", id, e);
            return 0;
        }
    }

    private double ipColocation(PeerStats s) {
        if (s.ip == null || exempt(s.ip)) {
            return 0;
        }
        int surplus =
                peersByIp.getOrDefault(s.ip, Set.of()).size()
                        - params.ipColocationFactorThreshold();
        return surplus > 0 ? (double) surplus * surplus : 0;
    }

    private boolean exempt(String ip) {
        if (params.ipColocationWhitelist().contains(ip)) {
            return true;
        }
        if (params.ipColocationExemptLoopback()) {
            byte[] literal = NetUtil.createByteArrayFromIpAddressString(ip);
            try {
                return literal != null && InetAddress.getByAddress(literal).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    private void setIp(PeerId id, PeerStats s, String ip) {
        if (s.ip != null) {
            Set<PeerId> same = peersByIp.get(s.ip);
            if (same != null) {
                same.remove(id);
                if (same.isEmpty()) {
                    peersByIp.remove(s.ip);
                }
            }
        }
        s.ip = ip;
        if (ip != null) {
            peersByIp.computeIfAbsent(ip, k -> new HashSet<>()).add(id);
        }
    }

    private TopicStats existingTopicStats(PeerId id, String topic) {
        PeerStats s = stats.get(id);
        return s == null ? null : s.topics.get(topic);
    }

    /**
     * @return the counters of {@code id} in {@code topic}, created when the topic counts and room
     *     remains
     */
    private TopicStats topicStats(PeerId id, String topic) {
        if (topic == null || params.topic(topic) == null) {
            return null;
        }
        PeerStats s = stats.get(id);
        if (s == null) {
            return null;
        }
        TopicStats t = s.topics.get(topic);
        if (t == null && s.topics.size() < MAX_TOPICS_PER_PEER) {
            t = new TopicStats();
            s.topics.put(topic, t);
        }
        return t;
    }

    private DeliveryRecord record(Gossipsub.Key id, Outcome outcome) {
        DeliveryRecord r = deliveries.get(id);
        if (r == null) {
            r = new DeliveryRecord(clock.getAsLong(), outcome);
            deliveries.put(id, r);
            while (deliveries.size() > MAX_DELIVERY_RECORDS) {
                Iterator<Gossipsub.Key> it = deliveries.keySet().iterator();
                it.next();
                it.remove();
            }
        }
        return r;
    }

    /**
     * @return the number of peers whose score is tracked (connected or retained)
     */
    int trackedPeers() {
        return stats.size();
    }
}
