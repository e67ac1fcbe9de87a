package ai.hanzo.node.storage.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreGrowthTest {
    @TempDir Path dir;

    private static byte[] value(int i) {
        return ("value-" + i + "-" + "x".repeat(i % 97)).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aMapThatFillsUpGrowsWithoutLosingEntries() throws Exception {
        int n = 3_000; // the kv map starts with room for 64
        try (var s = NodeStoreTest.closing(Fixtures.open(dir, Fixtures.small()))) {
            for (int i = 0; i < n; i++) {
                s.store().put("k" + i, value(i));
            }
            for (int i = 0; i < n; i++) {
                assertArrayEquals(value(i), s.store().get("k" + i).orElseThrow(), "k" + i);
            }
        }
        long capacity = Long.parseLong(manifest().getProperty("map.kv.entries"));
        assertTrue(capacity >= n, "capacity " + capacity);
        try (Stream<Path> files = Files.list(dir)) {
            assertFalse(
                    files.anyMatch(
                            f ->
                                    f.toString().endsWith(".grow")
                                            || f.toString().endsWith(".pre-grow")));
        }
        try (var s = NodeStoreTest.closing(Fixtures.open(dir, Fixtures.small()))) {
            assertEquals(n, s.store().scan("k").size());
        }
    }

    @Test
    void concurrentWritersAndReadersDuringGrowthLoseNothing() throws Exception {
        int writers = 4;
        int perWriter = 1_000;
        ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
        try (var s = NodeStoreTest.closing(Fixtures.open(dir, Fixtures.small()))) {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                futures.add(
                        pool.submit(
                                (Callable<Void>)
                                        () -> {
                                            for (int i = 0; i < perWriter; i++) {
                                                s.store().put("w" + writer + "/" + i, value(i));
                                                s.store()
                                                        .putContainer(
                                                                Fixtures.container(
                                                                        "c" + writer + "-" + i,
                                                                        "d" + writer));
                                            }
                                            return null;
                                        }));
            }
            futures.add(
                    pool.submit(
                            (Callable<Void>)
                                    () -> {
                                        for (int i = 0; i < 200; i++) {
                                            s.store().scan("w0/");
                                            s.store().containersOf("d1");
                                        }
                                        return null;
                                    }));
            for (Future<?> f : futures) {
                f.get();
            }
            for (int w = 0; w < writers; w++) {
                assertEquals(perWriter, s.store().scan("w" + w + "/").size());
                int ww = w;
                assertEquals(
                        perWriter,
                        s.store().containers().stream()
                                .filter(c -> c.deploymentId().equals("d" + ww))
                                .count(),
                        "containers");
                assertEquals(perWriter, s.store().containersOf("d" + w).size(), "index");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void raisingTheConfiguredEntriesGrowsAnExistingMapAtStart() throws Exception {
        try (var s = NodeStoreTest.closing(Fixtures.open(dir, Fixtures.small()))) {
            s.store().put("kept", value(1));
        }
        try (var s =
                NodeStoreTest.closing(Fixtures.open(dir, Fixtures.small().withKv(5_000, 64)))) {
            assertArrayEquals(value(1), s.store().get("kept").orElseThrow());
        }
        assertEquals("5000", manifest().getProperty("map.kv.entries"));
    }

    @Test
    void aGrowthInterruptedBeforeTheSwapKeepsTheOriginalMap() throws Exception {
        try (var s = NodeStoreTest.closing(Fixtures.open(dir, Fixtures.small()))) {
            s.store().put("kept", value(1));
        }
        // a crash while the grown copy was being built leaves a partial side file
        Files.write(dir.resolve("kv.cm3.grow"), new byte[1234]);
        try (var s = NodeStoreTest.closing(Fixtures.open(dir, Fixtures.small()))) {
            assertArrayEquals(value(1), s.store().get("kept").orElseThrow());
        }
        assertFalse(Files.exists(dir.resolve("kv.cm3.grow")));
    }

    @Test
    void aGrowthInterruptedMidSwapRestoresTheMap() throws Exception {
        try (var s = NodeStoreTest.closing(Fixtures.open(dir, Fixtures.small()))) {
            s.store().put("kept", value(1));
        }
        // a crash after the map was moved aside but before the grown copy took its place
        Files.move(dir.resolve("kv.cm3"), dir.resolve("kv.cm3.pre-grow"));
        try (var s = NodeStoreTest.closing(Fixtures.open(dir, Fixtures.small()))) {
            assertArrayEquals(value(1), s.store().get("kept").orElseThrow());
        }
    }

    @Test
    void aValueRewrittenLargerWhileOthersGrowTheMapIsNeverLost() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (var s = NodeStoreTest.closing(Fixtures.open(dir, Fixtures.small()))) {
            Future<?> a =
                    pool.submit(
                            () -> {
                                for (int i = 0; i < 2_000; i++) {
                                    s.store().put("a" + i, new byte[20]);
                                }
                            });
            Future<?> b =
                    pool.submit(
                            () -> {
                                for (int i = 0; i < 2_000; i++) {
                                    s.store().put("b" + i, new byte[20]);
                                }
                            });
            Future<?> big =
                    pool.submit(
                            () -> {
                                for (int len = 0; len < 5_000; len += 10) {
                                    s.store().put("big", new byte[len]);
                                    assertEquals(len, s.store().get("big").orElseThrow().length);
                                }
                            });
            a.get();
            b.get();
            big.get();
            assertEquals(4_990, s.store().get("big").orElseThrow().length);
            assertEquals(2_000, s.store().scan("a").size());
        } finally {
            pool.shutdownNow();
        }
    }

    private java.util.Properties manifest() throws Exception {
        java.util.Properties p = new java.util.Properties();
        try (var in = Files.newInputStream(dir.resolve(StoreDirectory.MANIFEST))) {
            p.load(in);
        }
        return p;
    }
}
