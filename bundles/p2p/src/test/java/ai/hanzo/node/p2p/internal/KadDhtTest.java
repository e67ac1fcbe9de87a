package ai.hanzo.node.p2p.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.p2p.PeerInfo;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KadDhtTest extends LocalNodesTest {

    private P2pNode node(List<Multiaddr> bootstrap) {
        return start(
                new P2pNode.Settings(
                        Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
                        bootstrap,
                        Libp2pHost.Limits.defaults()));
    }

    @Test
    void aProviderIsFoundByANodeThatNeverConnectedToIt() {
        P2pNode boot = node(List.of());
        List<Multiaddr> b = List.of(Multiaddr.parse(boot.listenAddresses().get(0)));
        List<P2pNode> others = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            others.add(node(b));
        }
        await().atMost(Duration.ofSeconds(20))
                .until(() -> boot.dht().routingTableSize().join() == 6);
        // the bootstrap lookups taught the others about each other
        for (P2pNode n : others) {
            n.dht().bootstrap().join();
        }
        P2pNode provider = others.get(0);
        P2pNode seeker = others.get(5);
        byte[] key = "model:all-minilm-l6-v2".getBytes();
        provider.provide(key).toCompletableFuture().join();
        List<PeerInfo> found =
                seeker.findProviders(key, 1, Duration.ofSeconds(10)).toCompletableFuture().join();
        assertTrue(
                found.stream().anyMatch(p -> p.peerId().equals(provider.localPeerId())),
                found.toString());
        assertTrue(found.get(0).addresses().size() > 0, found.toString());
    }

    @Test
    void valuesPutOnOneNodeAreReadOnAnother() {
        P2pNode boot = node(List.of());
        List<Multiaddr> b = List.of(Multiaddr.parse(boot.listenAddresses().get(0)));
        P2pNode a = node(b);
        P2pNode c = node(b);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> boot.dht().routingTableSize().join() == 2);
        a.dht().putValue("/hanzo/k".getBytes(), "v1".getBytes()).join();
        assertArrayEquals(
                "v1".getBytes(),
                c.dht()
                        .getValue("/hanzo/k".getBytes(), Duration.ofSeconds(10))
                        .join()
                        .orElseThrow());
        assertTrue(
                c.dht()
                        .getValue("/hanzo/missing".getBytes(), Duration.ofSeconds(5))
                        .join()
                        .isEmpty());
    }
}
