package ai.hanzo.node.p2p.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HeartbeatServiceTest {
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private P2pNode node() {
        P2pNode n = new P2pNode(IdentityKey.generate(), new P2pNode.Settings(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"), List.of(),
                Libp2pHost.Limits.defaults(), Duration.ofMillis(200)), null).start();
        closeables.add(0, n);
        return n;
    }

    @Test
    void nodesOfOneNetworkSeeEachOthersHeartbeatsAndIgnoreOtherNetworks() {
        P2pNode a = node();
        P2pNode b = node();
        P2pNode c = node();
        HeartbeatService ha = new HeartbeatService(a, "node-a", "net-1", () -> List.of("runtime:process", "model:minilm"), Duration.ofMillis(300));
        HeartbeatService hb = new HeartbeatService(b, "node-b", "net-1", List::of, Duration.ofMillis(300));
        HeartbeatService hc = new HeartbeatService(c, "node-c", "net-2", List::of, Duration.ofMillis(300));
        closeables.add(0, ha);
        closeables.add(0, hb);
        closeables.add(0, hc);
        b.connect(a.listenAddresses().get(0)).toCompletableFuture().join();
        c.connect(a.listenAddresses().get(0)).toCompletableFuture().join();
        await().atMost(Duration.ofSeconds(15)).until(() -> hb.latest().containsKey(a.localPeerId()) && ha.latest().containsKey(b.localPeerId()));
        NodeHeartbeat got = hb.latest().get(a.localPeerId());
        assertEquals("node-a", got.nodeId());
        assertEquals(List.of("runtime:process", "model:minilm"), got.capabilities());
        assertEquals(a.listenAddresses(), got.endpoints());
        assertTrue(got.timestampMillis() > 0);
        // c is on another network: a and b ignore it, it ignores them
        assertTrue(!ha.latest().containsKey(c.localPeerId()) && hc.latest().isEmpty());
    }
}
