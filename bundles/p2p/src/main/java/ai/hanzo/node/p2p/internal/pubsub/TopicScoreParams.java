package ai.hanzo.node.p2p.internal.pubsub;

import java.time.Duration;

/**
 * The gossipsub v1.1 score parameters of one topic. Weights of penalties (P3, P3b, P4) are
 * negative, weights of rewards (P1, P2) positive; a weight of 0 turns a component off. Decay
 * factors are applied once per {@link PeerScoreParams#decayInterval()}.
 *
 * @param topicWeight how much the topic counts in the total score
 * @param timeInMeshWeight weight of P1 (time in mesh)
 * @param timeInMeshQuantum time in mesh that earns one point of P1
 * @param timeInMeshCap largest value of P1
 * @param firstMessageDeliveriesWeight weight of P2 (first deliveries)
 * @param firstMessageDeliveriesDecay decay factor of the P2 counter
 * @param firstMessageDeliveriesCap largest value of the P2 counter
 * @param meshMessageDeliveriesWeight weight of P3 (mesh delivery deficit, squared)
 * @param meshMessageDeliveriesDecay decay factor of the P3 counter
 * @param meshMessageDeliveriesThreshold deliveries below which a mesh peer is in deficit
 * @param meshMessageDeliveriesCap largest value of the P3 counter
 * @param meshMessageDeliveriesActivation time in mesh before P3 applies
 * @param meshMessageDeliveriesWindow how long after the first delivery a duplicate still counts as
 *     a (near-first) mesh delivery
 * @param meshFailurePenaltyWeight weight of P3b (deficit squared, added when the peer leaves the
 *     mesh in deficit)
 * @param meshFailurePenaltyDecay decay factor of P3b
 * @param invalidMessageDeliveriesWeight weight of P4 (invalid messages, squared)
 * @param invalidMessageDeliveriesDecay decay factor of the P4 counter
 */
public record TopicScoreParams(
        double topicWeight,
        double timeInMeshWeight,
        Duration timeInMeshQuantum,
        double timeInMeshCap,
        double firstMessageDeliveriesWeight,
        double firstMessageDeliveriesDecay,
        double firstMessageDeliveriesCap,
        double meshMessageDeliveriesWeight,
        double meshMessageDeliveriesDecay,
        double meshMessageDeliveriesThreshold,
        double meshMessageDeliveriesCap,
        Duration meshMessageDeliveriesActivation,
        Duration meshMessageDeliveriesWindow,
        double meshFailurePenaltyWeight,
        double meshFailurePenaltyDecay,
        double invalidMessageDeliveriesWeight,
        double invalidMessageDeliveriesDecay) {

    /**
     * Checks the constraints of the spec so a misconfiguration fails at start, not as odd scores
     * later.
     */
    public TopicScoreParams {
        requireNonNegative("topicWeight", topicWeight);
        requireNonNegative("timeInMeshWeight", timeInMeshWeight);
        requireNonNegative("firstMessageDeliveriesWeight", firstMessageDeliveriesWeight);
        requireNonPositive("meshMessageDeliveriesWeight", meshMessageDeliveriesWeight);
        requireNonPositive("meshFailurePenaltyWeight", meshFailurePenaltyWeight);
        requireNonPositive("invalidMessageDeliveriesWeight", invalidMessageDeliveriesWeight);
        requireDecay("firstMessageDeliveriesDecay", firstMessageDeliveriesDecay);
        requireDecay("meshMessageDeliveriesDecay", meshMessageDeliveriesDecay);
        requireDecay("meshFailurePenaltyDecay", meshFailurePenaltyDecay);
        requireDecay("invalidMessageDeliveriesDecay", invalidMessageDeliveriesDecay);
        if (timeInMeshQuantum.isNegative() || timeInMeshQuantum.isZero()) {
            throw new IllegalArgumentException("timeInMeshQuantum must be positive");
        }
        if (meshMessageDeliveriesCap < meshMessageDeliveriesThreshold) {
            throw new IllegalArgumentException(
                    "meshMessageDeliveriesCap must be at least meshMessageDeliveriesThreshold");
        }
    }

    /**
     * Parameters for a topic whose message rate is unknown: rewards first deliveries and time in
     * the mesh, punishes invalid messages, and leaves P3/P3b off because a delivery quota would
     * push honest peers of a quiet topic out of the mesh.
     */
    public static TopicScoreParams defaults() {
        return new TopicScoreParams(
                1.0,
                0.01,
                Duration.ofSeconds(1),
                300,
                1.0,
                0.9,
                100,
                0,
                0.97,
                0,
                0,
                Duration.ofMinutes(1),
                Duration.ofMillis(10),
                0,
                0.99,
                -10,
                0.99);
    }

    /**
     * {@code hanzo/heartbeat/v1}: every node publishes a heartbeat every 10 s (the default), so a
     * mesh peer delivers at least its own; with a 0.97 decay its counter stays near 3, and a
     * threshold of 1 only catches peers that deliver (almost) nothing. The deficit applies after
     * two minutes in the mesh, when P1 (0.01 a second) already outweighs its largest penalty of -1:
     * a quiet peer (say, one configured with a long heartbeat interval) ranks lower when the mesh
     * is pruned and is marked by P3b if pruned in deficit, but P3 alone never turns it negative.
     */
    public static TopicScoreParams heartbeat() {
        return new TopicScoreParams(
                1.0,
                0.01,
                Duration.ofSeconds(1),
                300,
                1.0,
                0.97,
                50,
                -1,
                0.97,
                1,
                20,
                Duration.ofMinutes(2),
                Duration.ofMillis(10),
                -1,
                0.99,
                -10,
                0.99);
    }

    /**
     * {@code hanzo/deployments/v1}: rare, important messages. No delivery quota (there is no steady
     * rate to expect), a slow-decaying reward for delivering first, and a heavy P4 weight.
     */
    public static TopicScoreParams deployments() {
        return new TopicScoreParams(
                1.0,
                0.01,
                Duration.ofSeconds(1),
                300,
                2.0,
                0.99,
                20,
                0,
                0.97,
                0,
                0,
                Duration.ofMinutes(1),
                Duration.ofMillis(10),
                0,
                0.99,
                -20,
                0.995);
    }

    private static void requireNonNegative(String name, double v) {
        if (v < 0 || Double.isNaN(v)) {
            throw new IllegalArgumentException(name + " must be >= 0");
        }
    }

    private static void requireNonPositive(String name, double v) {
        if (v > 0 || Double.isNaN(v)) {
            throw new IllegalArgumentException(name + " must be <= 0");
        }
    }

    static void requireDecay(String name, double v) {
        if (!(v > 0 && v < 1)) {
            throw new IllegalArgumentException(name + " must be in (0, 1)");
        }
    }
}
