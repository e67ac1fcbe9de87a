package ai.hanzo.node.p2p.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.p2p.PubsubMessage;
import ai.hanzo.node.api.p2p.Topics;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class GossipsubTest extends LocalNodesTest {

    private P2pNode node() {
        return start(
                new P2pNode.Settings(
                        Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
                        List.of(),
                        Libp2pHost.Limits.defaults(),
                        Duration.ofMillis(200)));
    }

    @Test
    void messagesReachEveryNodeOfALineThroughTheMeshes() {
        // a line a-b-c-d-e: messages must be forwarded hop by hop
        List<P2pNode> line = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            line.add(node());
        }
        for (int i = 0; i + 1 < line.size(); i++) {
            line.get(i)
                    .connect(line.get(i + 1).listenAddresses().get(0))
                    .toCompletableFuture()
                    .join();
        }
        Map<String, List<PubsubMessage>> got = new ConcurrentHashMap<>();
        List<Subscription> subs = new ArrayList<>();
        for (P2pNode n : line) {
            subs.add(
                    n.subscribe(
                            Topics.HEARTBEAT,
                            m ->
                                    got.computeIfAbsent(
                                                    n.localPeerId(),
                                                    k -> new CopyOnWriteArrayList<>())
                                            .add(m)));
        }
        // the neighbours graft each other within a heartbeat or two
        await().atMost(Duration.ofSeconds(15))
                .until(
                        () ->
                                line.get(0).pubsub().meshPeers(Topics.HEARTBEAT).join().size() == 1
                                        && line.get(2)
                                                        .pubsub()
                                                        .meshPeers(Topics.HEARTBEAT)
                                                        .join()
                                                        .size()
                                                == 2);
        line.get(0).publish(Topics.HEARTBEAT, "beat".getBytes()).toCompletableFuture().join();
        await().atMost(Duration.ofSeconds(15)).until(() -> got.size() == 4);
        PubsubMessage m = got.get(line.get(4).localPeerId()).get(0);
        assertEquals(line.get(0).localPeerId(), m.from());
        assertArrayEquals("beat".getBytes(), m.data());
        assertEquals(Topics.HEARTBEAT, m.topic());
        // each node got it exactly once (the seen-cache drops duplicates)
        got.values().forEach(l -> assertEquals(1, l.size()));
        subs.forEach(Subscription::close);
    }

    @Test
    void meshesStayWithinDhiInADenseNetwork() {
        List<P2pNode> all = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            all.add(node());
        }
        P2pNode hub = all.get(0);
        List<Subscription> subs = new ArrayList<>();
        for (P2pNode n : all) {
            subs.add(n.subscribe("t", m -> {}));
        }
        for (P2pNode n : all.subList(1, all.size())) {
            n.connect(hub.listenAddresses().get(0)).toCompletableFuture().join();
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> hub.pubsub().topicPeers("t").join().size() == 14);
        await().atMost(Duration.ofSeconds(20))
                .until(
                        () -> {
                            int size = hub.pubsub().meshPeers("t").join().size();
                            return size >= 4 && size <= 12;
                        });
        subs.forEach(Subscription::close);
    }

    @Test
    void publishingWithoutSubscribersFails() {
        P2pNode a = node();
        var e =
                assertThrows(
                        java.util.concurrent.CompletionException.class,
                        () -> a.publish("nobody", new byte[1]).toCompletableFuture().join());
        assertTrue(
                e.getCause().getMessage().contains("no connected peer subscribes"),
                e.getCause().getMessage());
    }
}
