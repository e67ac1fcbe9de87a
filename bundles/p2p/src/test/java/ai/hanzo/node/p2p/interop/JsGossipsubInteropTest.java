package ai.hanzo.node.p2p.interop;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.p2p.PubsubMessage;
import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import ai.hanzo.node.p2p.internal.pubsub.GossipsubConfig;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * gossipsub between 2 js-libp2p and 2 Java nodes in a line js1 - java1 - java2 - js2, so every
 * message crosses implementations and is forwarded by both.
 */
class JsGossipsubInteropTest {
    private static final String TOPIC = "hanzo/interop/v1";
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private P2pNode java() {
        P2pNode n =
                new P2pNode(
                                IdentityKey.generate(),
                                new P2pNode.Settings(
                                        Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
                                        List.of(),
                                        Libp2pHost.Limits.defaults(),
                                        Duration.ofMillis(500)),
                                null)
                        .start();
        closeables.add(0, n);
        return n;
    }

    private P2pNode java(GossipsubConfig gossip) {
        P2pNode n =
                new P2pNode(
                                IdentityKey.generate(),
                                new P2pNode.Settings(
                                        Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
                                        List.of(),
                                        Libp2pHost.Limits.defaults(),
                                        Duration.ofMillis(500)),
                                null,
                                gossip)
                        .start();
        closeables.add(0, n);
        return n;
    }

    private JsPeer js() throws Exception {
        JsPeer p = new JsPeer("identify,ping,pubsub");
        closeables.add(p);
        return p;
    }

    private static String text(PubsubMessage m) {
        return new String(m.data(), StandardCharsets.UTF_8);
    }

    @Test
    void messagesFlowBothWaysAcrossAMixedMesh() throws Exception {
        JsPeer js1 = js();
        JsPeer js2 = js();
        P2pNode java1 = java();
        P2pNode java2 = java();
        List<PubsubMessage> got1 = new CopyOnWriteArrayList<>();
        List<PubsubMessage> got2 = new CopyOnWriteArrayList<>();
        Subscription s1 = java1.subscribe(TOPIC, got1::add);
        Subscription s2 = java2.subscribe(TOPIC, got2::add);
        js1.call("subscribe", "topic", TOPIC);
        js2.call("subscribe", "topic", TOPIC);

        java1.connect(js1.addr).toCompletableFuture().join();
        java2.connect(java1.listenAddresses().get(0)).toCompletableFuture().join();
        js2.call("dial", "addr", java2.listenAddresses().get(0));

        await().atMost(Duration.ofSeconds(30))
                .until(
                        () ->
                                java1.pubsub()
                                                .meshPeers(TOPIC)
                                                .join()
                                                .containsAll(
                                                        List.of(
                                                                PeerId.parse(js1.peerId),
                                                                PeerId.parse(java2.localPeerId())))
                                        && java2.pubsub()
                                                .meshPeers(TOPIC)
                                                .join()
                                                .containsAll(
                                                        List.of(
                                                                PeerId.parse(js2.peerId),
                                                                PeerId.parse(java1.localPeerId())))
                                        && JsPeer.array(
                                                        js1.call("meshPeers", "topic", TOPIC),
                                                        "peers")
                                                .contains(java1.localPeerId())
                                        && JsPeer.array(
                                                        js2.call("meshPeers", "topic", TOPIC),
                                                        "peers")
                                                .contains(java2.localPeerId()));

        js1.call("publish", "topic", TOPIC, "data", "from-js1");
        await().atMost(Duration.ofSeconds(20))
                .until(
                        () ->
                                got1.size() == 1
                                        && got2.size() == 1
                                        && js2.events.stream()
                                                .anyMatch(
                                                        e -> e.contains("\"data\":\"from-js1\"")));
        assertEquals("from-js1", text(got2.get(0)));
        assertEquals(js1.peerId, got2.get(0).from());

        java2.publish(TOPIC, "from-java2".getBytes(StandardCharsets.UTF_8))
                .toCompletableFuture()
                .join();
        await().atMost(Duration.ofSeconds(20))
                .until(
                        () ->
                                js1.events.stream()
                                                .anyMatch(
                                                        e ->
                                                                e.contains(
                                                                                "\"data\":\"from-java2\"")
                                                                        && e.contains(
                                                                                java2
                                                                                        .localPeerId()))
                                        && got1.size() == 2);
        assertEquals("from-java2", text(got1.get(1)));
        // nothing arrived twice
        assertEquals(2, got1.size());
        assertEquals(1, got2.size());
        // js2 is java2's mesh neighbour: it got both messages, each once
        await().atMost(Duration.ofSeconds(10))
                .until(
                        () ->
                                js2.events.stream()
                                        .anyMatch(e -> e.contains("\"data\":\"from-java2\"")));
        assertEquals(
                2, js2.events.stream().filter(e -> e.contains("\"event\":\"message\"")).count());
        assertEquals(
                1, js1.events.stream().filter(e -> e.contains("\"event\":\"message\"")).count());
        s1.close();
        s2.close();
    }

    /**
     * js1 - java1 - java2, with java1's mesh full (D_hi 1) of java2 so that js1's GRAFT is refused:
     * java2's message reaches js1 only as an IHAVE from java1, an IWANT from js1 and java1's
     * answer. java1 offers js-libp2p's form of the id (author key + seqno) to a js peer, so js1's
     * IWANT carries that form, which java1 must map back to the spec id it keys its cache by.
     */
    @Test
    void aPeerOutsideTheMeshGetsMessagesThroughIHaveAndIWant() throws Exception {
        P2pNode java1 = java(GossipsubConfig.defaults().withDegrees(1, 1, 1, 0, 0));
        P2pNode java2 = java();
        Subscription s1 = java1.subscribe(TOPIC, m -> {});
        Subscription s2 = java2.subscribe(TOPIC, m -> {});
        java1.connect(java2.listenAddresses().get(0)).toCompletableFuture().join();
        PeerId java2Id = PeerId.parse(java2.localPeerId());
        await().atMost(Duration.ofSeconds(20))
                .until(() -> java1.pubsub().meshPeers(TOPIC).join().contains(java2Id));

        JsPeer js1 = js();
        js1.call("subscribe", "topic", TOPIC);
        js1.call("dial", "addr", java1.listenAddresses().get(0));
        PeerId js1Id = PeerId.parse(js1.peerId);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> java1.pubsub().topicPeers(TOPIC).join().contains(js1Id));
        // a few heartbeats of both: js1 has tried to graft and been refused
        await().pollDelay(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(10))
                .until(
                        () ->
                                !java1.pubsub().meshPeers(TOPIC).join().contains(js1Id)
                                        && !JsPeer.array(
                                                        js1.call("meshPeers", "topic", TOPIC),
                                                        "peers")
                                                .contains(java1.localPeerId()));

        java2.publish(TOPIC, "via-iwant".getBytes(StandardCharsets.UTF_8))
                .toCompletableFuture()
                .join();
        await().atMost(Duration.ofSeconds(20))
                .until(
                        () ->
                                js1.events.stream()
                                        .anyMatch(
                                                e ->
                                                        e.contains("\"data\":\"via-iwant\"")
                                                                && e.contains(
                                                                        java2.localPeerId())));
        // still outside both meshes: the message came by gossip, not by forwarding
        assertFalse(java1.pubsub().meshPeers(TOPIC).join().contains(js1Id));
        assertEquals(
                1, js1.events.stream().filter(e -> e.contains("\"event\":\"message\"")).count());
        s1.close();
        s2.close();
    }
}
