package ai.hanzo.node.p2p.internal.pubsub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.p2p.Topics;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/** Each score component and the decay, on a clock the test moves by hand. */
class PeerScoreTest {
    private static final double EPS = 1e-9;

    /**
     * Distinct, easy-to-follow values: P1 0.5/s capped at 10, P2 weight 1 cap 5, P3 weight -2
     * threshold 4, P3b weight -3, P4 weight -4.
     */
    private static final TopicScoreParams TOPIC =
            new TopicScoreParams(
                    1.0,
                    0.5,
                    Duration.ofSeconds(1),
                    10,
                    1.0,
                    0.5,
                    5,
                    -2,
                    0.5,
                    4,
                    8,
                    Duration.ofSeconds(10),
                    Duration.ofMillis(10),
                    -3,
                    0.5,
                    -4,
                    0.5);

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final PeerId a = IdentityKey.generate().peerId();
    private final PeerId b = IdentityKey.generate().peerId();

    private static PeerScoreParams params(
            ToDoubleFunction<PeerId> app, boolean exemptLoopback, double topicWeight, double cap) {
        TopicScoreParams t =
                new TopicScoreParams(
                        topicWeight,
                        TOPIC.timeInMeshWeight(),
                        TOPIC.timeInMeshQuantum(),
                        TOPIC.timeInMeshCap(),
                        TOPIC.firstMessageDeliveriesWeight(),
                        TOPIC.firstMessageDeliveriesDecay(),
                        TOPIC.firstMessageDeliveriesCap(),
                        TOPIC.meshMessageDeliveriesWeight(),
                        TOPIC.meshMessageDeliveriesDecay(),
                        TOPIC.meshMessageDeliveriesThreshold(),
                        TOPIC.meshMessageDeliveriesCap(),
                        TOPIC.meshMessageDeliveriesActivation(),
                        TOPIC.meshMessageDeliveriesWindow(),
                        TOPIC.meshFailurePenaltyWeight(),
                        TOPIC.meshFailurePenaltyDecay(),
                        TOPIC.invalidMessageDeliveriesWeight(),
                        TOPIC.invalidMessageDeliveriesDecay());
        return new PeerScoreParams(
                Map.of("t", t),
                null,
                cap,
                2.0,
                app,
                -1,
                2,
                exemptLoopback,
                Set.of("10.0.0.9"),
                -1,
                1,
                0.5,
                Duration.ofSeconds(1),
                0.1,
                Duration.ofSeconds(60));
    }

    private PeerScore score() {
        return score(params(p -> 0, true, 1.0, 0));
    }

    private PeerScore score(PeerScoreParams params) {
        PeerScore s = new PeerScore(params, now::get);
        s.addPeer(a, "192.0.2.1");
        s.addPeer(b, "192.0.2.2");
        return s;
    }

    private static Gossipsub.Key msg(int i) {
        return Gossipsub.Key.of(ByteBuffer.allocate(4).putInt(i).array());
    }

    private void advance(Duration d) {
        now.addAndGet(d.toMillis());
    }

    @Test
    void p1TimeInMeshGrowsPerQuantumUpToItsCapAndStopsOnPrune() {
        PeerScore s = score();
        s.graft(a, "t");
        advance(Duration.ofSeconds(4));
        assertEquals(0.5 * 4, s.score(a), EPS);
        advance(Duration.ofSeconds(5)); // 9 s: still before P3 activation at 10 s
        assertEquals(0.5 * 9, s.score(a), EPS);
        s.prune(a, "t");
        assertEquals(0, s.score(a), EPS);
        // the cap: with P3 off (unconfigured weight would interfere), look at P1 alone through a
        // topic without P3
        PeerScore capped =
                score(
                        new PeerScoreParams(
                                Map.of("t", TopicScoreParams.defaults()),
                                null,
                                0,
                                1,
                                p -> 0,
                                -1,
                                2,
                                true,
                                Set.of(),
                                -1,
                                1,
                                0.5,
                                Duration.ofSeconds(1),
                                0.1,
                                Duration.ofSeconds(60)));
        capped.graft(a, "t");
        advance(Duration.ofHours(1));
        assertEquals(0.01 * 300, capped.score(a), EPS);
    }

    @Test
    void p2FirstDeliveriesAreCappedAndDecayToZero() {
        PeerScore s = score();
        for (int i = 0; i < 9; i++) {
            s.firstDelivery(a, msg(i), "t");
        }
        assertEquals(5, s.score(a), EPS); // capped at 5
        s.refresh();
        assertEquals(2.5, s.score(a), EPS);
        s.refresh();
        s.refresh();
        assertEquals(0.625, s.score(a), EPS);
        s.refresh(); // 0.3125
        s.refresh(); // 0.156
        s.refresh(); // 0.078 < decayToZero 0.1 -> 0
        assertEquals(0, s.score(a), EPS);
        assertEquals(0, s.score(b), EPS);
    }

    @Test
    void p3MeshDeliveryDeficitAppliesOnlyAfterActivationAndCountsNearFirstDeliveries() {
        PeerScore s = score();
        s.graft(a, "t");
        s.graft(b, "t");
        s.firstDelivery(b, msg(1), "t"); // b: first delivery (mesh delivery 1, P2 1)
        s.duplicateDelivery(
                a, msg(1), "t"); // a: within the 10 ms window: near-first, mesh delivery 1, no P2
        advance(Duration.ofMillis(50));
        s.firstDelivery(b, msg(2), "t");
        advance(Duration.ofMillis(50));
        s.duplicateDelivery(a, msg(2), "t"); // 50 ms later: too late to count
        s.duplicateDelivery(a, msg(1), "t"); // the same message again: counted once
        advance(Duration.ofSeconds(9));
        // before activation only P1 (and b's P2) count
        assertEquals(0.5 * 9.1, s.score(a), 1e-6);
        advance(Duration.ofSeconds(2));
        // a: 1 mesh delivery of a threshold of 4 -> deficit 3 -> -2 * 9; b: 2 deliveries -> deficit
        // 2 -> -2 * 4, plus P2 2
        assertEquals(0.5 * 10 - 18, s.score(a), 1e-6);
        assertEquals(0.5 * 10 - 8 + 2, s.score(b), 1e-6);
    }

    @Test
    void p3bMeshFailurePenaltyIsAddedWhenPrunedInDeficitAndDecays() {
        PeerScore s = score();
        s.graft(a, "t");
        s.graft(b, "t");
        s.prune(b, "t"); // pruned before activation: no failure penalty
        assertEquals(0, s.score(b), EPS);
        advance(Duration.ofSeconds(11));
        s.prune(a, "t"); // no deliveries: deficit 4 -> P3b 16
        assertEquals(-3 * 16, s.score(a), EPS);
        s.refresh();
        assertEquals(-3 * 8, s.score(a), EPS);
        // a disconnect of a mesh peer in deficit counts like a prune
        s.graft(b, "t");
        advance(Duration.ofSeconds(11));
        s.removePeer(b);
        assertEquals(-3 * 16, s.score(b), EPS);
    }

    @Test
    void p4InvalidMessagesAreSquaredAndRepeatedInvalidDeliveriesCountForEachPeer() {
        PeerScore s = score();
        s.invalidDelivery(a, msg(1), "t");
        assertEquals(-4, s.score(a), EPS);
        s.invalidDelivery(a, msg(2), "t");
        assertEquals(-4 * 4, s.score(a), EPS);
        s.duplicateDelivery(b, msg(1), "t"); // b forwards an invalid message too
        assertEquals(-4, s.score(b), EPS);
        s.refresh();
        assertEquals(-4 * 1, s.score(a), EPS); // counter 2 -> 1
        s.invalidDelivery(a, null, null); // no topic: nothing to attribute it to
        assertEquals(-4, s.score(a), EPS);
    }

    @Test
    void ignoredMessagesAndTheirDuplicatesNeitherRewardNorPenalise() {
        PeerScore s = score();
        s.graft(b, "t");
        s.ignoredDelivery(a, msg(1));
        s.duplicateDelivery(b, msg(1), "t");
        assertEquals(0, s.score(a), EPS);
        assertEquals(0, s.score(b), EPS);
    }

    @Test
    void p5ApplicationScoreIsWeighted() {
        PeerScore s = score(params(p -> p.equals(a) ? 3 : -1, true, 1.0, 0));
        assertEquals(6, s.score(a), EPS);
        assertEquals(-2, s.score(b), EPS);
        PeerScore failing =
                score(
                        params(
                                p -> {
                                    throw new IllegalStateException("boom");
                                },
                                true,
                                1.0,
                                0));
        assertEquals(0, failing.score(a), EPS);
    }

    @Test
    void p6IpColocationPenalisesPeersBeyondTheThresholdExceptLoopbackAndWhitelist() {
        PeerScore s = score();
        PeerId[] same = new PeerId[4];
        for (int i = 0; i < same.length; i++) {
            same[i] = IdentityKey.generate().peerId();
            s.addPeer(same[i], "198.51.100.7");
        }
        // 4 peers on one IP, threshold 2: surplus 2 -> -1 * 4
        assertEquals(-4, s.score(same[0]), EPS);
        s.removePeer(same[3]);
        assertEquals(-1, s.score(same[0]), EPS);
        for (int i = 0; i < 5; i++) {
            s.addPeer(IdentityKey.generate().peerId(), "127.0.0.1");
            s.addPeer(IdentityKey.generate().peerId(), "10.0.0.9");
        }
        PeerId local = IdentityKey.generate().peerId();
        s.addPeer(local, "127.0.0.1");
        PeerId listed = IdentityKey.generate().peerId();
        s.addPeer(listed, "10.0.0.9");
        assertEquals(0, s.score(local), EPS);
        assertEquals(0, s.score(listed), EPS);

        PeerScore strict = score(params(p -> 0, false, 1.0, 0));
        for (int i = 0; i < 3; i++) {
            strict.addPeer(IdentityKey.generate().peerId(), "127.0.0.1");
        }
        PeerId fourth = IdentityKey.generate().peerId();
        strict.addPeer(fourth, "127.0.0.1");
        assertEquals(-4, strict.score(fourth), EPS);
    }

    @Test
    void p7BehaviourPenaltyAboveItsThresholdIsSquaredAndDecays() {
        PeerScore s = score();
        s.addPenalty(a, 1);
        assertEquals(0, s.score(a), EPS); // at the threshold of 1
        s.addPenalty(a, 2);
        assertEquals(-4, s.score(a), EPS); // excess 2
        s.refresh(); // 1.5 -> excess 0.5
        assertEquals(-0.25, s.score(a), EPS);
        s.refresh();
        assertEquals(0, s.score(a), EPS);
    }

    @Test
    void topicWeightAndCapShapeTheTopicPart() {
        PeerScore weighted = score(params(p -> 0, true, 0.5, 0));
        weighted.firstDelivery(a, msg(1), "t");
        weighted.firstDelivery(a, msg(2), "t");
        assertEquals(1, weighted.score(a), EPS);
        weighted.firstDelivery(
                b, msg(3), "other"); // unconfigured topic, no default: does not count
        assertEquals(0, weighted.score(b), EPS);

        PeerScore capped = score(params(p -> 1, true, 1.0, 3));
        for (int i = 0; i < 5; i++) {
            capped.firstDelivery(a, msg(i), "t");
        }
        assertEquals(3 + 2, capped.score(a), EPS); // topics capped at 3, P5 on top
    }

    @Test
    void scoreIsRetainedAfterDisconnectRestoredOnReconnectAndForgottenAfterRetention() {
        PeerScore s = score();
        s.invalidDelivery(a, msg(1), "t");
        s.invalidDelivery(a, msg(2), "t");
        s.removePeer(a);
        assertEquals(-16, s.score(a), EPS);
        s.addPeer(a, "192.0.2.1"); // reconnecting does not wipe it
        assertEquals(-16, s.score(a), EPS);
        s.removePeer(a);
        advance(Duration.ofSeconds(61));
        s.refresh();
        assertEquals(0, s.score(a), EPS);
        assertEquals(1, s.trackedPeers()); // only b
    }

    @Test
    void stateStaysBoundedWhenAPeerNamesEndlessTopics() {
        PeerScore s = new PeerScore(PeerScoreParams.defaults(), now::get);
        s.addPeer(a, "192.0.2.1");
        for (int i = 0; i < 10 * PeerScore.MAX_TOPICS_PER_PEER; i++) {
            s.invalidDelivery(a, msg(i), "topic-" + i);
        }
        // only the first topics got counters: 256 topics with one invalid message each at -10
        assertEquals(-10.0 * PeerScore.MAX_TOPICS_PER_PEER, s.score(a), 1e-6);
    }

    @Test
    void defaultsCoverTheNodeTopicsAndRejectNonsense() {
        PeerScoreParams d = PeerScoreParams.defaults();
        assertEquals(TopicScoreParams.heartbeat(), d.topic(Topics.HEARTBEAT));
        assertEquals(TopicScoreParams.deployments(), d.topic(Topics.DEPLOYMENTS));
        assertEquals(TopicScoreParams.defaults(), d.topic("anything/else"));
        assertTrue(d.ipColocationExemptLoopback());
        ScoreThresholds t = ScoreThresholds.defaults();
        assertTrue(
                t.graylist() < t.publish()
                        && t.publish() <= t.gossip()
                        && t.gossip() < 0
                        && t.acceptPX() >= 0);
        assertThrows(IllegalArgumentException.class, () -> new ScoreThresholds(-10, -5, -80, 0, 0));
        assertThrows(
                IllegalArgumentException.class,
                () -> GossipsubConfig.defaults().withDegrees(6, 4, 12, 4, 4));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new TopicScoreParams(
                                1,
                                0,
                                Duration.ofSeconds(1),
                                1,
                                1,
                                1.5,
                                1,
                                0,
                                0.5,
                                0,
                                0,
                                Duration.ZERO,
                                Duration.ZERO,
                                0,
                                0.5,
                                -1,
                                0.5));
    }
}
