package ai.hanzo.node.p2p.interop;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.p2p.PeerInfo;
import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.identity.Base32;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Kademlia DHT against js-libp2p's kad-dht: provider records put by one side are found by the
 * other.
 */
class JsKadInteropTest {
    private P2pNode java;
    private JsPeer js;

    @BeforeEach
    void start() throws Exception {
        js = new JsPeer("identify,ping,dht");
        java =
                new P2pNode(
                                IdentityKey.generate(),
                                new P2pNode.Settings(
                                        Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
                                        List.of(),
                                        Libp2pHost.Limits.defaults()),
                                null)
                        .start();
        java.connect(js.addr).toCompletableFuture().join();
        await().atMost(Duration.ofSeconds(15))
                .until(() -> java.dht().routingTableSize().join() == 1);
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

    /**
     * @return {multihash, CIDv1 raw text} of a name
     */
    private static Object[] cid(String name) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes());
        byte[] mh = new byte[34];
        mh[0] = 0x12;
        mh[1] = 32;
        System.arraycopy(digest, 0, mh, 2, 32);
        byte[] cid = new byte[36];
        cid[0] = 1;
        cid[1] = 0x55;
        System.arraycopy(mh, 0, cid, 2, 34);
        return new Object[] {mh, "b" + Base32.encode(cid)};
    }

    @Test
    void javaFindsAProviderPutByJs() throws Exception {
        Object[] c = cid("model:js-provided");
        js.call("provide", "cid", (String) c[1]);
        List<PeerInfo> found =
                java.findProviders((byte[]) c[0], 1, Duration.ofSeconds(10))
                        .toCompletableFuture()
                        .join();
        assertTrue(found.stream().anyMatch(p -> p.peerId().equals(js.peerId)), found.toString());
    }

    @Test
    void jsFindsAProviderPutByJava() throws Exception {
        Object[] c = cid("model:java-provided");
        java.provide((byte[]) c[0]).toCompletableFuture().join();
        String reply = js.call("findProviders", "cid", (String) c[1]);
        assertTrue(JsPeer.array(reply, "providers").contains(java.localPeerId()), reply);
    }
}
