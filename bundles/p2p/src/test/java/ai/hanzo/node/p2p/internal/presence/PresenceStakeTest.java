package ai.hanzo.node.p2p.internal.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.chain.ChainStatus;
import ai.hanzo.node.api.chain.OperatorStatus;
import ai.hanzo.node.api.chain.PeerStake;
import ai.hanzo.node.api.chain.PendingTransaction;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.api.p2p.RemoteNode;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** Directory entries carry their operator's stake from the chain client's cache. */
class PresenceStakeTest {
    private static final BigInteger ETHER = BigInteger.TEN.pow(18);

    private static RemoteNode heard(String peerId) {
        return new RemoteNode(
                peerId,
                "node-" + peerId,
                List.of("runtime:process"),
                120,
                List.of("/ip4/127.0.0.1/tcp/9000"),
                "hanzo-node/test",
                Instant.now(),
                Map.of());
    }

    /** The cache's contract: answers at once from what was read, only peers read so far. */
    private static final class CachedStakes implements StakingService {
        final Map<String, PeerStake> read = new ConcurrentHashMap<>();

        @Override
        public Optional<PeerStake> cachedPeerStake(String peerId) {
            return Optional.ofNullable(read.get(peerId));
        }

        @Override
        public ChainStatus chainStatus() {
            throw new UnsupportedOperationException();
        }

        @Override
        public OperatorStatus operatorStatus() {
            throw new UnsupportedOperationException();
        }

        @Override
        public PendingTransaction register(BigInteger stakeWei) {
            throw new UnsupportedOperationException();
        }

        @Override
        public PendingTransaction addStake(BigInteger amountWei) {
            throw new UnsupportedOperationException();
        }

        @Override
        public PendingTransaction requestUnstake(BigInteger amountWei) {
            throw new UnsupportedOperationException();
        }

        @Override
        public PendingTransaction withdraw() {
            throw new UnsupportedOperationException();
        }

        @Override
        public PendingTransaction updateEndpoint(String endpoint) {
            throw new UnsupportedOperationException();
        }

        @Override
        public PendingTransaction deregister() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<PeerStake> peerStake(String peerId) {
            throw new UnsupportedOperationException("the directory must never read the chain");
        }
    }

    @Test
    void entriesCarryTheCachedStakeAndSlashedFlagAndFollowRefreshes() {
        CachedStakes chain = new CachedStakes();
        RemoteNode node = heard("12D3KooWStaked");
        assertEquals(Optional.empty(), PresenceComponent.withStake(node, chain).stake());
        assertFalse(PresenceComponent.withStake(node, chain).stakedAndUnslashed());

        PeerStake staked =
                new PeerStake(
                        "12D3KooWStaked",
                        "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
                        true,
                        ETHER.multiply(BigInteger.TWO),
                        false,
                        Instant.now());
        chain.read.put("12D3KooWStaked", staked);
        RemoteNode withStake = PresenceComponent.withStake(node, chain);
        assertEquals(Optional.of(staked), withStake.stake());
        assertTrue(withStake.stakedAndUnslashed());
        assertEquals(node.capabilities(), withStake.capabilities());
        assertEquals(node.lastSeen(), withStake.lastSeen());

        // a refresh that finds the node slashed shows in the next view of the entry
        chain.read.put(
                "12D3KooWStaked",
                new PeerStake(
                        "12D3KooWStaked",
                        staked.operatorAddress(),
                        true,
                        ETHER,
                        true,
                        Instant.now()));
        RemoteNode slashed = PresenceComponent.withStake(node, chain);
        assertTrue(slashed.stake().orElseThrow().slashed());
        assertEquals(ETHER, slashed.stake().orElseThrow().stake());
        assertFalse(slashed.stakedAndUnslashed());
    }

    @Test
    void withoutAChainClientEntriesAreUnchanged() {
        RemoteNode node = heard("12D3KooWNoChain");
        assertSame(node, PresenceComponent.withStake(node, null));
        assertEquals(Optional.empty(), node.stake());
    }
}
