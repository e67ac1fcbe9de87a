package ai.hanzo.node.storage.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.store.KvChange;
import ai.hanzo.node.api.store.NodeStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bundle's view of the store: calls go through unchanged (failures included), and the watches it
 * left open are closed when it is released, while other views keep theirs.
 */
class BundleScopedStoresTest {
    @TempDir Path dir;

    @Test
    void releasingAViewClosesTheWatchesItLeftOpenAndNoOthers() {
        try (var s = NodeStoreTest.closing(Fixtures.open(dir))) {
            NodeStore plugin = BundleScopedStores.view(s.store());
            NodeStore core = BundleScopedStores.view(s.store());
            List<KvChange> pluginSaw = new CopyOnWriteArrayList<>();
            List<KvChange> coreSaw = new CopyOnWriteArrayList<>();
            plugin.watch("k/", pluginSaw::add);
            Subscription closedByHand = plugin.watch("k/", pluginSaw::add);
            closedByHand.close();
            core.watch("k/", coreSaw::add);

            plugin.put("k/1", bytes("one"));
            assertArrayEquals(bytes("one"), core.get("k/1").orElseThrow());
            assertEquals(1, pluginSaw.size());

            assertEquals(1, BundleScopedStores.close(plugin), "one watch left open");
            core.put("k/2", bytes("two"));
            assertEquals(1, pluginSaw.size(), "the released view's watch is closed");
            assertEquals(2, coreSaw.size(), "the other view's watch still runs");
            assertEquals(0, BundleScopedStores.close(plugin));
        }
    }

    @Test
    void failuresReachTheCallerAsThemselves() {
        try (var s = NodeStoreTest.closing(Fixtures.open(dir))) {
            NodeStore view = BundleScopedStores.view(s.store());
            assertThrows(InvalidArgumentException.class, () -> view.put("", bytes("x")));
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
