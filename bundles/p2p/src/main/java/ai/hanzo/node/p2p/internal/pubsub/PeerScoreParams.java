package ai.hanzo.node.p2p.internal.pubsub;

import ai.hanzo.node.api.p2p.Topics;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The gossipsub v1.1 score parameters that apply to a peer as a whole, plus the per-topic ones.
 *
 * @param topics parameters per topic
 * @param defaultTopic parameters of every topic not in {@code topics}, or {@code null} so that such
 *     topics do not count (as the spec describes unconfigured topics)
 * @param topicScoreCap upper bound of the summed topic contributions; 0 for none
 * @param appSpecificWeight weight of P5
 * @param appSpecificScore P5: the application's own opinion of a peer; called on the router's event
 *     loop whenever a score is needed, so it must be quick and must not block
 * @param ipColocationFactorWeight weight of P6 (surplus of peers per IP, squared)
 * @param ipColocationFactorThreshold peers per IP allowed before P6 applies (at least 1)
 * @param ipColocationExemptLoopback whether loopback addresses are exempt from P6 (so many nodes on
 *     one host, as in tests and local clusters, are not penalised)
 * @param ipColocationWhitelist IP addresses (as {@link
 *     ai.hanzo.node.p2p.internal.identity.Multiaddr#host()} prints them) exempt from P6
 * @param behaviourPenaltyWeight weight of P7 (excess of the penalty counter, squared)
 * @param behaviourPenaltyThreshold counter value tolerated before P7 applies
 * @param behaviourPenaltyDecay decay factor of the P7 counter
 * @param decayInterval how often counters decay
 * @param decayToZero counter value below which a decayed counter becomes 0
 * @param retainScore how long the score of a disconnected peer is remembered
 */
public record PeerScoreParams(
        Map<String, TopicScoreParams> topics,
        TopicScoreParams defaultTopic,
        double topicScoreCap,
        double appSpecificWeight,
        ToDoubleFunction<PeerId> appSpecificScore,
        double ipColocationFactorWeight,
        int ipColocationFactorThreshold,
        boolean ipColocationExemptLoopback,
        Set<String> ipColocationWhitelist,
        double behaviourPenaltyWeight,
        double behaviourPenaltyThreshold,
        double behaviourPenaltyDecay,
        Duration decayInterval,
        double decayToZero,
        Duration retainScore) {

    /** Copies the collections and checks the constraints of the spec. */
    public PeerScoreParams {
        topics = Map.copyOf(topics);
        ipColocationWhitelist = Set.copyOf(ipColocationWhitelist);
        if (topicScoreCap < 0) {
            throw new IllegalArgumentException("topicScoreCap must be >= 0");
        }
        if (appSpecificWeight < 0) {
            throw new IllegalArgumentException("appSpecificWeight must be >= 0");
        }
        if (ipColocationFactorWeight > 0 || ipColocationFactorThreshold < 1) {
            throw new IllegalArgumentException(
                    "ipColocationFactorWeight must be <= 0 and its threshold >= 1");
        }
        if (behaviourPenaltyWeight > 0 || behaviourPenaltyThreshold < 0) {
            throw new IllegalArgumentException(
                    "behaviourPenaltyWeight must be <= 0 and its threshold >= 0");
        }
        TopicScoreParams.requireDecay("behaviourPenaltyDecay", behaviourPenaltyDecay);
        if (decayInterval.toMillis() <= 0 || retainScore.isNegative()) {
            throw new IllegalArgumentException(
                    "decayInterval must be positive and retainScore not negative");
        }
        if (!(decayToZero > 0 && decayToZero < 1)) {
            throw new IllegalArgumentException("decayToZero must be in (0, 1)");
        }
    }

    /**
     * The node's defaults: {@link TopicScoreParams#heartbeat()} and {@link
     * TopicScoreParams#deployments()} for the Hanzo topics, {@link TopicScoreParams#defaults()} for
     * any other; topic contributions capped at 100; P5 weight 1 with a score of 0; P6 weight -10
     * above 3 peers per IP, loopback exempt; P7 weight -10 above a counter of 1, decaying by 0.99;
     * decay every second, to zero below 0.01; scores kept 10 minutes after a disconnect.
     */
    public static PeerScoreParams defaults() {
        return new PeerScoreParams(
                Map.of(
                        Topics.HEARTBEAT,
                        TopicScoreParams.heartbeat(),
                        Topics.DEPLOYMENTS,
                        TopicScoreParams.deployments()),
                TopicScoreParams.defaults(),
                100,
                1.0,
                peer -> 0.0,
                -10,
                3,
                true,
                Set.of(),
                -10,
                1,
                0.99,
                Duration.ofSeconds(1),
                0.01,
                Duration.ofMinutes(10));
    }

    /**
     * @return the parameters of {@code topic}, or {@code null} when it does not count
     */
    TopicScoreParams topic(String topic) {
        TopicScoreParams p = topics.get(topic);
        return p != null ? p : defaultTopic;
    }

    /**
     * @return a copy whose P6 exempts {@code addresses} (as {@link
     *     ai.hanzo.node.p2p.internal.identity.Multiaddr#host()} prints them) instead
     */
    public PeerScoreParams withIpColocationWhitelist(Set<String> addresses) {
        return new PeerScoreParams(
                topics,
                defaultTopic,
                topicScoreCap,
                appSpecificWeight,
                appSpecificScore,
                ipColocationFactorWeight,
                ipColocationFactorThreshold,
                ipColocationExemptLoopback,
                addresses,
                behaviourPenaltyWeight,
                behaviourPenaltyThreshold,
                behaviourPenaltyDecay,
                decayInterval,
                decayToZero,
                retainScore);
    }

    /**
     * @return a copy with another application-specific score
     */
    public PeerScoreParams withAppSpecificScore(ToDoubleFunction<PeerId> score) {
        return new PeerScoreParams(
                topics,
                defaultTopic,
                topicScoreCap,
                appSpecificWeight,
                score,
                ipColocationFactorWeight,
                ipColocationFactorThreshold,
                ipColocationExemptLoopback,
                ipColocationWhitelist,
                behaviourPenaltyWeight,
                behaviourPenaltyThreshold,
                behaviourPenaltyDecay,
                decayInterval,
                decayToZero,
                retainScore);
    }
}
