package ai.hanzo.node.p2p.interop;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.p2p.ProviderKeys;
import ai.hanzo.node.api.p2p.Topics;
import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.identity.Base32;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import ai.hanzo.node.p2p.internal.presence.NodeAnnouncement;
import ai.hanzo.node.p2p.internal.presence.NodeAnnouncement.CapabilitiesChanged;
import ai.hanzo.node.p2p.internal.presence.NodePresence;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a js-libp2p client sees of a Java node: its announcements on hanzo/deployments/v1, its
 * capabilities in the DHT under the documented key, and new protocols through identify push.
 */
class JsPresenceInteropTest {
    private P2pNode java;
    private JsPeer js;
    private NodePresence presence;
    private ScheduledExecutorService presenceThread;

    @BeforeEach
    void start() throws Exception {
        js = new JsPeer("identify,ping,pubsub,dht");
        java =
                new P2pNode(
                                IdentityKey.generate(),
                                new P2pNode.Settings(
                                        Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
                                        List.of(),
                                        Libp2pHost.Limits.defaults(),
                                        Duration.ofMillis(500)),
                                null)
                        .start();
    }

    @AfterEach
    void stop() throws Exception {
        if (presence != null) {
            presence.close();
            presenceThread.shutdownNow();
        }
        if (java != null) {
            java.close();
        }
        if (js != null) {
            js.close();
        }
    }

    private static Optional<NodeAnnouncement> announcement(String event) {
        if (!event.contains("\"topic\":\"" + Topics.DEPLOYMENTS + "\"")) {
            return Optional.empty();
        }
        return Optional.of(
                NodeAnnouncement.decode(Base64.getDecoder().decode(JsPeer.field(event, "base64"))));
    }

    @Test
    void jsReceivesTheCapabilityAnnouncementAndFindsTheNodeByCapability() throws Exception {
        js.call("subscribe", "topic", Topics.DEPLOYMENTS);
        java.connect(js.addr).toCompletableFuture().join();
        await().atMost(Duration.ofSeconds(20))
                .until(
                        () ->
                                java.pubsub()
                                                .topicPeers(Topics.DEPLOYMENTS)
                                                .join()
                                                .contains(PeerId.parse(js.peerId))
                                        && java.dht().routingTableSize().join() == 1);
        presenceThread = Executors.newSingleThreadScheduledExecutor();
        presence =
                new NodePresence(
                                java,
                                "java-node",
                                "interop",
                                Duration.ofMillis(500),
                                presenceThread,
                                Clock.systemUTC(),
                                P2pNode.AGENT)
                        .start();
        presence.capabilities(Set.of("model:minilm", "runtime:process"));

        await().atMost(Duration.ofSeconds(20))
                .until(
                        () ->
                                js.events.stream()
                                        .map(JsPresenceInteropTest::announcement)
                                        .anyMatch(Optional::isPresent));
        String event =
                js.events.stream()
                        .filter(e -> announcement(e).isPresent())
                        .findFirst()
                        .orElseThrow();
        assertEquals(java.localPeerId(), JsPeer.field(event, "from"));
        NodeAnnouncement a = announcement(event).orElseThrow();
        assertEquals("java-node", a.nodeId());
        assertEquals("interop", a.networkId());
        assertEquals(
                new CapabilitiesChanged(
                        List.of("model:minilm", "runtime:process"),
                        List.of("model:minilm", "runtime:process"),
                        List.of()),
                a.change());

        // js derives the key from the documented rule by itself; the provide may still be on its
        // way
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () ->
                                JsPeer.array(
                                                js.call(
                                                        "findCapability",
                                                        "network",
                                                        "interop",
                                                        "capability",
                                                        "model:minilm"),
                                                "providers")
                                        .contains(java.localPeerId()));
        String reply =
                js.call("findCapability", "network", "interop", "capability", "model:minilm");
        byte[] key = ProviderKeys.capability("interop", "model:minilm");
        byte[] cid = new byte[key.length + 2];
        cid[0] = 1;
        cid[1] = 0x55;
        System.arraycopy(key, 0, cid, 2, key.length);
        assertEquals("b" + Base32.encode(cid), JsPeer.field(reply, "cid"));
    }

    @Test
    void jsLearnsProtocolsAddedAndRemovedLaterThroughIdentifyPush() throws Exception {
        java.connect(js.addr).toCompletableFuture().join();
        await().atMost(Duration.ofSeconds(20))
                .until(
                        () ->
                                JsPeer.array(
                                                js.call("peer", "peer", java.localPeerId()),
                                                "protocols")
                                        .contains("/ipfs/id/1.0.0"));
        assertTrue(
                !JsPeer.array(js.call("peer", "peer", java.localPeerId()), "protocols")
                        .contains("/hanzo/echo/1.0.0"));

        java.host().handle("/hanzo/echo/1.0.0", () -> (stream, in) -> stream.write(in.retain()));
        await().atMost(Duration.ofSeconds(20))
                .until(
                        () ->
                                JsPeer.array(
                                                js.call("peer", "peer", java.localPeerId()),
                                                "protocols")
                                        .contains("/hanzo/echo/1.0.0"));

        java.host().unhandle("/hanzo/echo/1.0.0");
        await().atMost(Duration.ofSeconds(20))
                .until(
                        () ->
                                !JsPeer.array(
                                                js.call("peer", "peer", java.localPeerId()),
                                                "protocols")
                                        .contains("/hanzo/echo/1.0.0"));
    }
}
