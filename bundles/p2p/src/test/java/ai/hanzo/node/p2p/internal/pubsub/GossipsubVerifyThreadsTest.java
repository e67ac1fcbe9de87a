package ai.hanzo.node.p2p.internal.pubsub;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.p2p.PubsubMessage;
import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import ai.hanzo.node.p2p.internal.transport.YamuxStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Signatures checked on verification threads (or on the loop, 0 threads) give the same deliveries,
 * in arrival order, with each message id verified once.
 */
class GossipsubVerifyThreadsTest {
    private final LoopbackPeers peers = new LoopbackPeers();

    @AfterEach
    void close() throws Exception {
        peers.close();
    }

    /**
     * 600 messages in one RPC, every fifth forged, then all 600 again: more than {@link
     * Gossipsub#MAX_VERIFYING}, so with threads some are checked on the loop (back-pressure) while
     * others are still in flight, and the second copies arrive while the first are being checked.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3})
    void validMessagesAreDeliveredOnceInArrivalOrderAndForgedOnesNever(int threads)
            throws Exception {
        // not graylisted by its forged messages, so that the second copies are read at all
        P2pNode victim =
                peers.node(
                        GossipsubConfig.defaults()
                                .withThresholds(new ScoreThresholds(-10, -50, -1e12, 10, 5))
                                .withVerifyThreads(threads));
        List<PubsubMessage> got = new CopyOnWriteArrayList<>();
        Subscription sub = victim.subscribe("t", got::add);
        Libp2pHost sender = peers.host();
        YamuxStream s = RawGossip.stream(sender, victim);
        IdentityKey author = IdentityKey.generate();
        IdentityKey forger = IdentityKey.generate();
        int total = 600;
        assertTrue(total > Gossipsub.MAX_VERIFYING);
        List<PubsubRpc.Message> batch = new ArrayList<>();
        List<Long> expected = new ArrayList<>();
        for (long i = 0; i < total; i++) {
            boolean forged = i % 5 == 4;
            batch.add(RawGossip.signed(author, forged ? forger : author, i));
            if (!forged) {
                expected.add(i);
            }
        }
        RawGossip.send(s, PubsubRpc.of(List.of(new PubsubRpc.SubOpts(true, "t")), batch, null));
        RawGossip.send(s, PubsubRpc.of(List.of(), batch, null));
        await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> {
                            Gossipsub.DeliveryCounts c = victim.pubsub().deliveryCounts().join();
                            return c.duplicates() == total && c.first() >= expected.size();
                        });
        Gossipsub.DeliveryCounts counts = victim.pubsub().deliveryCounts().join();
        assertEquals(expected.size(), counts.first());
        assertEquals(total, counts.signaturesVerified(), "one check per message id");
        List<Long> order = new ArrayList<>();
        got.forEach(m -> order.add(m.seqno()));
        assertEquals(expected, order, "every valid message once, in the order it arrived");
        assertTrue(
                victim.pubsub().score(sender.peerId()).join() < 0,
                "the sender of 120 forged messages is scored down");
        sub.close();
    }

    @Test
    void verifyThreadsOutOfRangeAreRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> GossipsubConfig.defaults().withVerifyThreads(-1));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        GossipsubConfig.defaults()
                                .withVerifyThreads(GossipsubConfig.MAX_VERIFY_THREADS + 1));
        assertTrue(GossipsubConfig.defaults().verifyThreads() >= 1);
    }
}
