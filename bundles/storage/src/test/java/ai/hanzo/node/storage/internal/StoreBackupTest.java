package ai.hanzo.node.storage.internal;

import static ai.hanzo.node.storage.internal.Fixtures.deployment;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.compute.Deployment;
import ai.hanzo.node.api.store.StoreBackup.BackupResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreBackupTest {
    private static final int WRITES = 600;

    @TempDir Path dir;

    /**
     * The writer stores deployment d-i and then the KV entry "count" = i. A copy of one moment
     * therefore holds d-0..d-count (d-(count+1) at most besides), each of them whole; a copy that
     * read the deployments file before the KV file would show a count whose deployment is missing.
     * Small maps make the deployments map grow (file swap) while the backup runs.
     */
    @Test
    void backupTakenDuringWritesOpensAndHoldsOneMoment() throws Exception {
        Path storeDir = dir.resolve("store");
        Path backupDir = dir.resolve("backup");
        ChronicleNodeStore store = Fixtures.open(storeDir, Fixtures.small());
        ExecutorService writer = Executors.newSingleThreadExecutor();
        CountDownLatch started = new CountDownLatch(50);
        AtomicBoolean stop = new AtomicBoolean();
        BackupResult result;
        try {
            Future<Integer> written =
                    writer.submit(
                            () -> {
                                int i = 0;
                                for (; i < WRITES && !stop.get(); i++) {
                                    store.putDeployment(deployment("d-" + i));
                                    store.put("count", bytes(i));
                                    store.putConfig("last", "\"d-" + i + "\"");
                                    started.countDown();
                                }
                                return i;
                            });
            assertTrue(started.await(60, TimeUnit.SECONDS), "the writer did not start");
            result = store.backupTo(backupDir);
            // writers were only paused: they go on to the end after the backup
            assertEquals(WRITES, written.get(120, TimeUnit.SECONDS));
            assertEquals(WRITES, store.deployments().size());
        } finally {
            stop.set(true);
            writer.shutdownNow();
            store.close();
        }
        assertEquals(6, result.files());
        assertTrue(result.deployments() >= 50, "backup holds " + result.deployments());
        assertFalse(Files.exists(backupDir.resolve(StoreDirectory.LOCK)));
        assertFalse(Files.exists(backupDir.resolve(StoreDirectory.OPEN_MARKER)));
        for (Path f : Files.list(backupDir).toList()) {
            assertEquals(
                    "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        }
        assertEquals(
                "rwx------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(backupDir)));

        ChronicleNodeStore restored = Fixtures.open(backupDir, Fixtures.small());
        try {
            int count =
                    Integer.parseInt(
                            new String(
                                    restored.get("count").orElseThrow(), StandardCharsets.UTF_8));
            Set<String> ids =
                    restored.deployments().stream().map(Deployment::id).collect(Collectors.toSet());
            assertEquals(result.deployments(), ids.size());
            for (int i = 0; i <= count; i++) {
                assertTrue(ids.contains("d-" + i), "d-" + i + " missing though count is " + count);
                assertEquals(deployment("d-" + i), restored.deployment("d-" + i).orElseThrow());
            }
            assertTrue(
                    ids.size() == count + 1 || ids.size() == count + 2,
                    ids.size() + " deployments for count " + count);
            String last = restored.config("last").orElseThrow();
            assertTrue(
                    last.equals("\"d-" + count + "\"") || last.equals("\"d-" + (count - 1) + "\""),
                    "config last " + last + " for count " + count);
            // the restored store is a working store: it takes writes
            restored.putDeployment(deployment("after-restore"));
            assertTrue(restored.deployment("after-restore").isPresent());
        } finally {
            restored.close();
        }
    }

    @Test
    void badTargetsAreRefusedAndLoseNothing() throws Exception {
        Path storeDir = dir.resolve("store");
        Path notEmpty = Files.createDirectories(dir.resolve("full"));
        Files.writeString(notEmpty.resolve("keep.txt"), "mine");
        ChronicleNodeStore store = Fixtures.open(storeDir, Fixtures.small());
        try {
            store.putDeployment(deployment("d1"));
            var relative =
                    assertThrows(
                            InvalidArgumentException.class, () -> store.backupTo(Path.of("rel")));
            assertTrue(relative.getMessage().contains("absolute"), relative.getMessage());
            var full = assertThrows(InvalidArgumentException.class, () -> store.backupTo(notEmpty));
            assertTrue(full.getMessage().contains("not empty"), full.getMessage());
            assertEquals("mine", Files.readString(notEmpty.resolve("keep.txt")));
            var inside =
                    assertThrows(
                            InvalidArgumentException.class,
                            () -> store.backupTo(storeDir.toAbsolutePath().resolve("b")));
            assertTrue(inside.getMessage().contains("overlaps"), inside.getMessage());
            // the store still works after the refusals
            store.putDeployment(deployment("d2"));
            assertEquals(2, store.deployments().size());
            Path empty = Files.createDirectories(dir.resolve("empty"));
            assertEquals(2, store.backupTo(empty).deployments());
        } finally {
            store.close();
        }
    }

    private static byte[] bytes(int i) {
        return Integer.toString(i).getBytes(StandardCharsets.UTF_8);
    }
}
