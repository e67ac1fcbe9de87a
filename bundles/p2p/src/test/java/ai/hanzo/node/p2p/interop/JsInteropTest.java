package ai.hanzo.node.p2p.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.p2p.PeerInfo;
import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Java against real js-libp2p 3.x: TCP + Noise + Yamux, identify and ping, both directions. */
class JsInteropTest {
    private P2pNode java;
    private JsPeer js;

    @BeforeEach
    void start() throws Exception {
        js = new JsPeer("identify,ping");
        java =
                new P2pNode(
                                IdentityKey.generate(),
                                new P2pNode.Settings(
                                        Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
                                        List.of(),
                                        Libp2pHost.Limits.defaults()),
                                null)
                        .start();
    }

    @AfterEach
    void stop() throws Exception {
        if (java != null) {
            java.close();
        }
        if (js != null) {
            js.close();
        }
    }

    @Test
    void javaDialsJsIdentifiesAndPings() {
        PeerInfo info = java.connect(js.addr).toCompletableFuture().join();
        assertEquals(js.peerId, info.peerId());
        assertTrue(
                info.protocols()
                        .containsAll(
                                List.of(
                                        "/ipfs/ping/1.0.0",
                                        "/ipfs/id/1.0.0",
                                        "/ipfs/id/push/1.0.0")),
                info.protocols().toString());
        assertTrue(info.agentVersion().contains("js-libp2p"), info.agentVersion());
        assertTrue(
                info.addresses().contains(Multiaddr.parse(js.addr).withoutPeerId().toString()),
                info.addresses().toString());
        Duration rtt = java.ping(js.peerId).toCompletableFuture().join();
        assertTrue(rtt.toMillis() < 5000, rtt.toString());
        // the yamux session stays usable for more streams
        java.ping(js.peerId).toCompletableFuture().join();
    }

    @Test
    void jsDialsJavaIdentifiesAndPings() throws Exception {
        String javaAddr = java.listenAddresses().get(0);
        assertEquals(java.localPeerId(), JsPeer.field(js.call("dial", "addr", javaAddr), "peer"));
        String rtt = JsPeer.field(js.call("ping", "addr", javaAddr), "rtt");
        assertTrue(Double.parseDouble(rtt) >= 0);
        org.awaitility.Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                .untilAsserted(
                        () -> {
                            String peer = js.call("peer", "peer", java.localPeerId());
                            assertTrue(
                                    JsPeer.array(peer, "protocols")
                                            .containsAll(
                                                    List.of("/ipfs/ping/1.0.0", "/ipfs/id/1.0.0")),
                                    peer);
                            assertTrue(
                                    JsPeer.array(peer, "addrs")
                                            .contains(
                                                    Multiaddr.parse(javaAddr)
                                                            .withoutPeerId()
                                                            .toString()),
                                    peer);
                        });
        // and Java pings back over the connection JS opened
        java.ping(js.peerId).toCompletableFuture().join();
    }
}
