package ai.hanzo.node.p2p.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.p2p.PeerNetwork;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A bundle's view of the network: calls go through unchanged (failures included), and the topic
 * subscriptions it left open are closed when it is released. The network underneath is a stand-in
 * that records subscriptions: this tests the view's bookkeeping, not libp2p.
 */
class BundleScopedNetworksTest {
    private final List<String> open = new CopyOnWriteArrayList<>();

    private final PeerNetwork network =
            (PeerNetwork)
                    Proxy.newProxyInstance(
                            PeerNetwork.class.getClassLoader(),
                            new Class<?>[] {PeerNetwork.class},
                            (proxy, method, args) ->
                                    switch (method.getName()) {
                                        case "subscribe" -> {
                                            String topic = (String) args[0];
                                            open.add(topic);
                                            yield (Subscription) () -> open.remove(topic);
                                        }
                                        case "localPeerId" -> "12D3KooWlocal";
                                        case "publish" ->
                                                throw new IllegalStateException("not connected");
                                        default -> null;
                                    });

    @Test
    void releasingAViewClosesTheSubscriptionsItLeftOpenAndNoOthers() {
        PeerNetwork plugin = BundleScopedNetworks.view(network);
        PeerNetwork core = BundleScopedNetworks.view(network);
        plugin.subscribe("a", message -> {});
        plugin.subscribe("b", message -> {}).close();
        core.subscribe("c", message -> {});
        assertEquals(List.of("a", "c"), open);
        assertEquals("12D3KooWlocal", plugin.localPeerId());

        assertEquals(1, BundleScopedNetworks.close(plugin));
        assertEquals(List.of("c"), open);
        assertEquals(0, BundleScopedNetworks.close(plugin));
    }

    @Test
    void failuresReachTheCallerAsThemselves() {
        PeerNetwork view = BundleScopedNetworks.view(network);
        assertThrows(IllegalStateException.class, () -> view.publish("t", new byte[0]));
    }
}
