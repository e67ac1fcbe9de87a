package ai.hanzo.node.p2p.internal.pubsub;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.hanzo.node.api.chain.PeerStake;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import java.math.BigInteger;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The stake-weighted application score of gossipsub peers. */
class StakeScoreTest {
    private static final BigInteger TOKEN = BigInteger.TEN.pow(18);

    private static PeerStake stake(boolean registered, BigInteger wei, boolean slashed) {
        return new PeerStake("12D3KooWx", "0xabc", registered, wei, slashed, Instant.EPOCH);
    }

    @Test
    void stakedPeersScoreByTheLogOfTheirStakeUpToTheCap() {
        assertEquals(1.0, StakeScore.of(stake(true, TOKEN, false)), 1e-9);
        assertEquals(
                3.0,
                StakeScore.of(stake(true, TOKEN.multiply(BigInteger.valueOf(7)), false)),
                1e-9);
        assertEquals(
                StakeScore.MAX,
                StakeScore.of(stake(true, TOKEN.multiply(BigInteger.valueOf(1_000_000)), false)));
    }

    @Test
    void slashedPeersScoreBelowZeroAndUnregisteredOnesZero() {
        assertEquals(StakeScore.SLASHED, StakeScore.of(stake(true, TOKEN, true)));
        assertEquals(StakeScore.SLASHED, StakeScore.of(stake(false, BigInteger.ZERO, true)));
        assertEquals(0.0, StakeScore.of(stake(false, TOKEN, false)));
    }

    @Test
    void withoutAChainClientEveryPeerScoresZero() {
        assertEquals(
                0.0, new StakeScore(() -> null).applyAsDouble(IdentityKey.generate().peerId()));
    }
}
