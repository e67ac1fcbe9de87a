package ai.hanzo.node.storage.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResetStoreTest {
    @TempDir Path dataDir;

    private ChronicleNodeStore open(boolean reset, String launch) {
        return new ChronicleNodeStore(
                dataDir.resolve("store"),
                StoreSettings.defaults(),
                Clock.systemUTC(),
                reset,
                launch);
    }

    private List<Path> backups() throws Exception {
        try (Stream<Path> files = Files.list(dataDir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("store.bak-"))
                    .collect(Collectors.toList());
        }
    }

    @Test
    void resetMovesTheStoreAsideOnceAndStartsEmpty() throws Exception {
        try (var s = NodeStoreTest.closing(open(false, "launch-1"))) {
            s.store().put("kept", "old".getBytes(StandardCharsets.UTF_8));
        }
        try (var s = NodeStoreTest.closing(open(true, "launch-2"))) {
            assertTrue(s.store().get("kept").isEmpty());
            s.store().put("new", "1".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(1, backups().size());
        // activated again in the same launch (a config change): the reset is not repeated
        try (var s = NodeStoreTest.closing(open(true, "launch-2"))) {
            assertTrue(s.store().get("new").isPresent());
        }
        assertEquals(1, backups().size());
        // the backup is a complete store that opens with its data
        Path backup = backups().get(0);
        try (var s =
                NodeStoreTest.closing(
                        new ChronicleNodeStore(
                                backup,
                                StoreSettings.defaults(),
                                Clock.systemUTC(),
                                false,
                                null))) {
            assertArrayEquals(
                    "old".getBytes(StandardCharsets.UTF_8), s.store().get("kept").orElseThrow());
        }
    }

    @Test
    void resetMovesADamagedStoreAsideSoTheNodeCanStart() throws Exception {
        try (var s = NodeStoreTest.closing(open(false, "launch-1"))) {
            s.store().put("kept", "old".getBytes(StandardCharsets.UTF_8));
        }
        Files.write(dataDir.resolve("store").resolve("kv.cm3"), new byte[0]);
        try (var s = NodeStoreTest.closing(open(true, "launch-2"))) {
            assertTrue(s.store().scan("").isEmpty());
        }
        assertEquals(0, Files.size(backups().get(0).resolve("kv.cm3")));
    }
}
