package ai.hanzo.node.p2p.internal.pubsub;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.hanzo.node.p2p.internal.LocalNodesTest;
import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** v1.1 mesh maintenance beyond D_lo/D_hi: the outbound quota and opportunistic grafting. */
class GossipsubMeshTest extends LocalNodesTest {
    private static final Duration WAIT = Duration.ofSeconds(45);

    /**
     * A peer that never grafts on its own (D = D_lo = 0) but accepts grafts: only the other side's
     * rules can mesh it.
     */
    private static final GossipsubConfig PASSIVE =
            GossipsubConfig.defaults().withDegrees(0, 0, 12, 0, 0);

    private P2pNode node(GossipsubConfig config) {
        P2pNode n =
                start(
                        new P2pNode.Settings(
                                Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
                                List.of(),
                                Libp2pHost.Limits.defaults(),
                                Duration.ofMillis(200)),
                        config);
        closeAfter(n.subscribe("t", m -> {})::close);
        return n;
    }

    private static PeerId id(P2pNode n) {
        return PeerId.parse(n.localPeerId());
    }

    private static void connect(P2pNode from, P2pNode to) throws Exception {
        from.connect(to.listenAddresses().get(0)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aMeshOfInboundPeersGraftsAnOutboundOneToMeetDout() throws Exception {
        // D_lo = 2 is met by two inbound peers; only the D_out = 1 quota can bring in a third
        P2pNode x = node(GossipsubConfig.defaults().withDegrees(3, 2, 4, 1, 1));
        P2pNode a = node(PASSIVE);
        P2pNode b = node(PASSIVE);
        connect(a, x);
        connect(b, x);
        await().atMost(WAIT)
                .until(() -> x.pubsub().meshPeers("t").join().equals(Set.of(id(a), id(b))));
        P2pNode out = node(PASSIVE);
        connect(x, out);
        await().atMost(WAIT).until(() -> x.pubsub().meshPeers("t").join().contains(id(out)));
        assertEquals(3, x.pubsub().meshPeers("t").join().size());
    }

    @Test
    void aMeshWithALowMedianScoreGraftsABetterScoringPeer() throws Exception {
        P2pNode good = node(PASSIVE);
        PeerId goodId = id(good);
        // the application thinks highly of 'good'; the mesh of two ordinary peers has a median
        // score near 0
        GossipsubConfig config =
                GossipsubConfig.defaults()
                        .withDegrees(2, 2, 4, 1, 0)
                        .withOpportunisticGraft(5, 2)
                        .withScore(
                                PeerScoreParams.defaults()
                                        .withAppSpecificScore(p -> p.equals(goodId) ? 100 : 0));
        P2pNode x = node(config);
        P2pNode a = node(PASSIVE);
        P2pNode b = node(PASSIVE);
        connect(x, a);
        connect(x, b);
        await().atMost(WAIT)
                .until(() -> x.pubsub().meshPeers("t").join().equals(Set.of(id(a), id(b))));
        // the mesh is at D_lo (no regular graft) and 'good' never grafts by itself
        connect(x, good);
        await().atMost(WAIT).until(() -> x.pubsub().meshPeers("t").join().contains(goodId));
        assertEquals(3, x.pubsub().meshPeers("t").join().size());
    }
}
