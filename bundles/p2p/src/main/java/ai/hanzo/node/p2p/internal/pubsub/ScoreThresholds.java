package ai.hanzo.node.p2p.internal.pubsub;

/**
 * Score thresholds of gossipsub v1.1.
 *
 * @param gossip below it no gossip goes to the peer and its gossip is ignored
 * @param publish below it own messages are not flood-published to the peer
 * @param graylist below it every RPC of the peer is ignored
 * @param acceptPX at or above it (and only then) peer exchange from the peer is followed
 * @param opportunisticGraft when the median mesh score is below it, better peers are grafted
 */
public record ScoreThresholds(
        double gossip,
        double publish,
        double graylist,
        double acceptPX,
        double opportunisticGraft) {
    /** Checks the ordering the spec requires. */
    public ScoreThresholds {
        if (!(gossip <= 0 && publish <= gossip && graylist < publish)) {
            throw new IllegalArgumentException("need graylist < publish <= gossip <= 0");
        }
        if (acceptPX < 0 || opportunisticGraft < 0) {
            throw new IllegalArgumentException("acceptPX and opportunisticGraft must be >= 0");
        }
    }

    /**
     * gossip -10, publish -50, graylist -80; PX is followed from peers scoring at least 10 (earned
     * by delivering messages first or staying in the mesh for a while, not by merely connecting);
     * opportunistic grafting when the median mesh score is under 5.
     */
    public static ScoreThresholds defaults() {
        return new ScoreThresholds(-10, -50, -80, 10, 5);
    }
}
