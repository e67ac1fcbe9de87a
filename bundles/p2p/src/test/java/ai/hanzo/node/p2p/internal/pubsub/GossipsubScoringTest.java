package ai.hanzo.node.p2p.internal.pubsub;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.p2p.PubsubMessage;
import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import ai.hanzo.node.p2p.internal.transport.YamuxStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GossipsubScoringTest {
    private final LoopbackPeers peers = new LoopbackPeers();

    @AfterEach
    void close() throws Exception {
        peers.close();
    }

    @Test
    void aPeerSendingForgedMessagesIsScoredDownAndNothingIsDelivered() throws Exception {
        P2pNode victim = peers.node();
        Libp2pHost attacker = peers.host();
        List<PubsubMessage> got = new CopyOnWriteArrayList<>();
        Subscription sub = victim.subscribe("t", got::add);
        YamuxStream s = RawGossip.stream(attacker, victim);
        // claims to come from a third peer, signed with the wrong key
        IdentityKey author = IdentityKey.generate();
        IdentityKey forger = IdentityKey.generate();
        List<PubsubRpc.Message> forged = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            forged.add(RawGossip.signed(author, forger, i));
        }
        RawGossip.send(s, PubsubRpc.of(List.of(new PubsubRpc.SubOpts(true, "t")), forged, null));
        PeerId bad = attacker.peerId();
        await().atMost(Duration.ofSeconds(10))
                .until(
                        () ->
                                victim.pubsub().score(bad).join()
                                        < ScoreThresholds.defaults().gossip());
        // below zero it is kept out of the mesh, and no forged message reached the subscriber
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !victim.pubsub().meshPeers("t").join().contains(bad));
        assertEquals(0, got.size());
        sub.close();
    }

    @Test
    void aMessageIdSeenBeforeIsNotVerifiedAgainValidOrNot() throws Exception {
        P2pNode victim = peers.node();
        List<PubsubMessage> got = new CopyOnWriteArrayList<>();
        Subscription sub = victim.subscribe("t", got::add);
        YamuxStream s = RawGossip.stream(peers.host(), victim);
        IdentityKey author = IdentityKey.generate();
        PubsubRpc.Message valid = RawGossip.signed(author, author, 1);
        PubsubRpc.Message forged = RawGossip.signed(author, IdentityKey.generate(), 2);
        // each arrives three times, as from three mesh peers: twice in one RPC, once in another
        RawGossip.send(
                s,
                PubsubRpc.of(
                        List.of(new PubsubRpc.SubOpts(true, "t")),
                        List.of(valid, forged, valid, forged),
                        null));
        RawGossip.send(s, PubsubRpc.of(List.of(), List.of(forged, valid), null));
        await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> {
                            // verdicts of checks on the verification threads come in after the
                            // copies that arrived meanwhile were counted
                            Gossipsub.DeliveryCounts c = victim.pubsub().deliveryCounts().join();
                            return c.duplicates() == 4 && c.first() >= 1;
                        });
        Gossipsub.DeliveryCounts counts = victim.pubsub().deliveryCounts().join();
        assertEquals(1, counts.first(), "the valid message, once");
        assertEquals(2, counts.signaturesVerified(), "one verification per message id");
        assertEquals(1, got.size());
        sub.close();
    }
}
