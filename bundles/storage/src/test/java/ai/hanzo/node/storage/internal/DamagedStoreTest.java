package ai.hanzo.node.storage.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.FailedPreconditionException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DamagedStoreTest {
    @TempDir Path dir;

    private void writeSomething() {
        try (var s = NodeStoreTest.closing(Fixtures.open(dir))) {
            for (int i = 0; i < 100; i++) {
                s.store().put("k" + i, ("v" + i).getBytes(StandardCharsets.UTF_8));
            }
            s.store().putDeployment(Fixtures.deployment("d1"));
        }
    }

    private void assertClearErrorLeavingFileUntouched(Path file) throws Exception {
        byte[] before = Files.readAllBytes(file);
        FailedPreconditionException e =
                assertThrows(FailedPreconditionException.class, () -> Fixtures.open(dir));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("--reset-store"), e.getMessage());
        assertArrayEquals(
                before, Files.readAllBytes(file), "the damaged file must not be rewritten");
        // the failed open released the lock but left the store marked unclean: the next open takes
        // the
        // recovery path, which must report the damage too rather than let Chronicle "repair" the
        // file
        FailedPreconditionException again =
                assertThrows(FailedPreconditionException.class, () -> Fixtures.open(dir));
        assertTrue(again.getMessage().contains(file.toString()), again.getMessage());
    }

    @Test
    void aTruncatedMapFileIsAClearErrorNamingTheFile() throws Exception {
        writeSomething();
        Path file = dir.resolve("kv.cm3");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() / 3);
        }
        assertClearErrorLeavingFileUntouched(file);
    }

    @Test
    void aMapFileTruncatedToNothingIsAClearError() throws Exception {
        writeSomething();
        Path file = dir.resolve("deployments.cm3");
        Files.write(file, new byte[0]);
        assertClearErrorLeavingFileUntouched(file);
    }

    @Test
    void aMapFileOverwrittenWithGarbageIsAClearError() throws Exception {
        writeSomething();
        Path file = dir.resolve("config.cm3");
        byte[] garbage = new byte[(int) Files.size(file)];
        new Random(7).nextBytes(garbage);
        Files.write(file, garbage);
        assertClearErrorLeavingFileUntouched(file);
    }

    @Test
    void aStoreFromANewerNodeIsAClearStartupError() throws Exception {
        writeSomething();
        Path manifest = dir.resolve(StoreDirectory.MANIFEST);
        String text = Files.readString(manifest).replace("format=1", "format=2");
        Files.writeString(manifest, text);
        FailedPreconditionException e =
                assertThrows(FailedPreconditionException.class, () -> Fixtures.open(dir));
        assertTrue(e.getMessage().contains("newer node"), e.getMessage());
        assertTrue(Files.readString(manifest).contains("format=2"));
    }

    @Test
    void mapFilesWithoutAManifestAreNotTakenOver() throws Exception {
        writeSomething();
        Files.delete(dir.resolve(StoreDirectory.MANIFEST));
        FailedPreconditionException e =
                assertThrows(FailedPreconditionException.class, () -> Fixtures.open(dir));
        assertTrue(e.getMessage().contains("--reset-store"), e.getMessage());
    }

    @Test
    void aValueWrittenWithANewerSchemaIsAClearErrorNamingTheFile() {
        try (var s = NodeStoreTest.closing(Fixtures.open(dir))) {
            s.store().putDeployment(Fixtures.deployment("d1"));
        }
        // what a newer node would leave behind: the same map, a value of a newer schema version
        try (var map =
                net.openhft.chronicle.map.ChronicleMapBuilder.of(String.class, byte[].class)
                        .entries(1)
                        .averageKeySize(8)
                        .averageValueSize(8)
                        .createPersistedTo(dir.resolve("deployments.cm3").toFile())) {
            byte[] v = map.get("d1");
            v[0] = (byte) (ValueCodec.SCHEMA_VERSION + 1);
            map.put("d1", v);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try (var s = NodeStoreTest.closing(Fixtures.open(dir))) {
            FailedPreconditionException e =
                    assertThrows(
                            FailedPreconditionException.class, () -> s.store().deployment("d1"));
            assertTrue(
                    e.getMessage().contains(dir.resolve("deployments.cm3").toString()),
                    e.getMessage());
            assertTrue(
                    e.getMessage().contains("schema version " + (ValueCodec.SCHEMA_VERSION + 1)),
                    e.getMessage());
        }
    }
}
