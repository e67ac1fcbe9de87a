package ai.hanzo.node.p2p.internal.pubsub;

import java.time.Duration;

/**
 * Router parameters of gossipsub v1.1.
 *
 * @param d target mesh degree
 * @param dLo mesh degree below which the heartbeat grafts
 * @param dHi mesh degree above which the heartbeat prunes
 * @param dScore peers kept by score when pruning for oversubscription
 * @param dOut outbound connections the mesh keeps (below dLo, at most d/2)
 * @param dLazy minimum number of peers that get gossip
 * @param gossipFactor share of the eligible peers that get gossip
 * @param pruneBackoff how long neither side re-grafts after a PRUNE
 * @param pxPeers peers offered in a PRUNE for oversubscription (0 turns sending PX off)
 * @param pxAccept peers taken from one received PRUNE (more are ignored)
 * @param pxMaxPendingDials PX dials in flight at once
 * @param opportunisticGraftTicks heartbeats between opportunistic grafting rounds
 * @param opportunisticGraftPeers peers grafted per opportunistic round
 * @param iwantFollowup how long an IWANT promise may take before its advertiser is penalised
 * @param gossipRetransmission times one message is sent to one peer in reply to IWANT
 * @param score the score parameters
 * @param thresholds the score thresholds
 * @param verifyThreads threads that check message signatures off the router's event loop (0: on the
 *     loop itself); with them one node's receive path can use more than one core
 */
public record GossipsubConfig(
        int d,
        int dLo,
        int dHi,
        int dScore,
        int dOut,
        int dLazy,
        double gossipFactor,
        Duration pruneBackoff,
        int pxPeers,
        int pxAccept,
        int pxMaxPendingDials,
        int opportunisticGraftTicks,
        int opportunisticGraftPeers,
        Duration iwantFollowup,
        int gossipRetransmission,
        PeerScoreParams score,
        ScoreThresholds thresholds,
        int verifyThreads) {

    /** Checks the relations of the mesh degrees. */
    public GossipsubConfig {
        if (!(0 <= dLo
                && dLo <= d
                && d <= dHi
                && dScore <= d
                && dOut >= 0
                && (dOut < dLo || dOut == 0)
                && dOut <= d / 2)) {
            throw new IllegalArgumentException(
                    "need 0 <= dLo <= d <= dHi, dScore <= d, dOut < dLo and dOut <= d/2");
        }
        if (gossipFactor < 0
                || gossipFactor > 1
                || pxPeers < 0
                || pxAccept < 0
                || pxMaxPendingDials < 0
                || opportunisticGraftTicks < 1
                || opportunisticGraftPeers < 0
                || gossipRetransmission < 1) {
            throw new IllegalArgumentException(
                    "counts must not be negative and gossipFactor must be in [0, 1]");
        }
        if (verifyThreads < 0 || verifyThreads > MAX_VERIFY_THREADS) {
            throw new IllegalArgumentException(
                    "verifyThreads must be in [0, " + MAX_VERIFY_THREADS + "]");
        }
    }

    /**
     * D=6, D_lo=4, D_hi=12, D_score=4, D_out=2, D_lazy=6, gossip factor 0.25, 60 s backoff, 16 PX
     * peers offered and at most 16 taken (8 dials at once), opportunistic grafting of 2 peers every
     * 60 heartbeats, 3 s for IWANT promises, 3 retransmissions, and {@link
     * PeerScoreParams#defaults()} with {@link ScoreThresholds#defaults()}, signatures checked on
     * {@link #defaultVerifyThreads()} threads.
     */
    public static GossipsubConfig defaults() {
        return new GossipsubConfig(
                6,
                4,
                12,
                4,
                2,
                6,
                0.25,
                Duration.ofSeconds(60),
                16,
                16,
                8,
                60,
                2,
                Duration.ofSeconds(3),
                3,
                PeerScoreParams.defaults(),
                ScoreThresholds.defaults(),
                defaultVerifyThreads());
    }

    /** Upper bound of {@link #verifyThreads()}. */
    public static final int MAX_VERIFY_THREADS = 16;

    /**
     * @return one verification thread per core beyond the first (the event loops need one), at
     *     least 1 and at most 4
     */
    public static int defaultVerifyThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() - 1));
    }

    /**
     * @return a copy that checks signatures on {@code threads} threads of its own (0: on the
     *     router's event loop)
     */
    public GossipsubConfig withVerifyThreads(int threads) {
        return new GossipsubConfig(
                d,
                dLo,
                dHi,
                dScore,
                dOut,
                dLazy,
                gossipFactor,
                pruneBackoff,
                pxPeers,
                pxAccept,
                pxMaxPendingDials,
                opportunisticGraftTicks,
                opportunisticGraftPeers,
                iwantFollowup,
                gossipRetransmission,
                score,
                thresholds,
                threads);
    }

    /**
     * @return a copy with other mesh degrees
     */
    public GossipsubConfig withDegrees(int d, int dLo, int dHi, int dScore, int dOut) {
        return new GossipsubConfig(
                d,
                dLo,
                dHi,
                dScore,
                dOut,
                dLazy,
                gossipFactor,
                pruneBackoff,
                pxPeers,
                pxAccept,
                pxMaxPendingDials,
                opportunisticGraftTicks,
                opportunisticGraftPeers,
                iwantFollowup,
                gossipRetransmission,
                score,
                thresholds,
                verifyThreads);
    }

    /**
     * @return a copy that grafts {@code peers} peers opportunistically every {@code ticks}
     *     heartbeats
     */
    public GossipsubConfig withOpportunisticGraft(int ticks, int peers) {
        return new GossipsubConfig(
                d,
                dLo,
                dHi,
                dScore,
                dOut,
                dLazy,
                gossipFactor,
                pruneBackoff,
                pxPeers,
                pxAccept,
                pxMaxPendingDials,
                ticks,
                peers,
                iwantFollowup,
                gossipRetransmission,
                score,
                thresholds,
                verifyThreads);
    }

    /**
     * @return a copy with other score parameters
     */
    public GossipsubConfig withScore(PeerScoreParams score) {
        return new GossipsubConfig(
                d,
                dLo,
                dHi,
                dScore,
                dOut,
                dLazy,
                gossipFactor,
                pruneBackoff,
                pxPeers,
                pxAccept,
                pxMaxPendingDials,
                opportunisticGraftTicks,
                opportunisticGraftPeers,
                iwantFollowup,
                gossipRetransmission,
                score,
                thresholds,
                verifyThreads);
    }

    /**
     * @return a copy with other thresholds
     */
    public GossipsubConfig withThresholds(ScoreThresholds thresholds) {
        return new GossipsubConfig(
                d,
                dLo,
                dHi,
                dScore,
                dOut,
                dLazy,
                gossipFactor,
                pruneBackoff,
                pxPeers,
                pxAccept,
                pxMaxPendingDials,
                opportunisticGraftTicks,
                opportunisticGraftPeers,
                iwantFollowup,
                gossipRetransmission,
                score,
                thresholds,
                verifyThreads);
    }
}
