package ai.hanzo.node.p2p.internal.pubsub;

import ai.hanzo.node.api.chain.PeerStake;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Gossipsub's application-specific score (P5) from a peer's registration in the chain's node
 * registry, read from the chain client's cache (never waiting on the chain): a registered,
 * unslashed peer scores {@code log2(1 + stake in whole tokens)}, at most {@link #MAX}; a slashed
 * one {@link #SLASHED}; an unregistered or not yet known one, or any peer while no chain client
 * runs, 0.
 */
public final class StakeScore implements ToDoubleFunction<PeerId> {
    /** The score of a peer staking 1023 tokens or more. */
    public static final double MAX = 10;

    /** The score of a slashed peer. */
    public static final double SLASHED = -10;

    private static final BigDecimal TOKEN = new BigDecimal(BigInteger.TEN.pow(18));

    private final Supplier<StakingService> staking;

    /**
     * @param staking the chain client, or null while none runs
     */
    public StakeScore(Supplier<StakingService> staking) {
        this.staking = staking;
    }

    @Override
    public double applyAsDouble(PeerId peer) {
        StakingService chain = staking.get();
        if (chain == null) {
            return 0;
        }
        Optional<PeerStake> stake = chain.cachedPeerStake(peer.toBase58());
        if (stake.isEmpty()) {
            return 0;
        }
        return of(stake.get());
    }

    /** The score of one registration. */
    static double of(PeerStake stake) {
        if (stake.slashed()) {
            return SLASHED;
        }
        if (!stake.registered() || stake.stake().signum() <= 0) {
            return 0;
        }
        double tokens = new BigDecimal(stake.stake()).divide(TOKEN).doubleValue();
        return Math.min(MAX, Math.log1p(tokens) / Math.log(2));
    }
}
