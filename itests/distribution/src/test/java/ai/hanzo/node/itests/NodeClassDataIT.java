package ai.hanzo.node.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The node JVM's class-data sharing, as {@code bin/hanzo-node} sets it up: the first start of an
 * install records an archive when it stops, the next start maps most of its classes from it, and a
 * damaged or stale archive never stops the node from starting.
 */
class NodeClassDataIT {
    private static final Duration START = Duration.ofMinutes(3);
    // the first stop of an install also writes the archive (tens of MB)
    private static final Duration STOP = Duration.ofMinutes(3);
    // the default, which the other tests' starts turn off
    private static final Map<String, String> CDS = Map.of("HANZO_NODE_CDS", "true");

    @Test
    void firstStartRecordsTheArchiveTheNextMapsAndABadOneIsRecordedAgain() throws Exception {
        Path home = NodeProcess.unpack("class-data");
        Path archive = home.resolve("lib/hanzo-node.jsa");
        Path recorded = home.resolve("lib/hanzo-node.jsa.rec");
        Path stamp = home.resolve("lib/hanzo-node.jsa.jvm");
        Path lock = home.resolve("lib/hanzo-node.jsa.lock");

        try (NodeProcess node = NodeProcess.start(home, List.of(), CDS)) {
            node.awaitServing(START);
            assertTrue(Files.exists(lock), "a start without an archive records one");
            assertEquals(0, node.terminate(STOP), node.output());
        }
        assertTrue(Files.size(recorded) > 1_000_000, "written at the clean exit: " + recorded);

        Path classLog = home.resolve("class-load.log");
        try (NodeProcess node =
                NodeProcess.start(
                        home,
                        List.of(),
                        Map.of(
                                "HANZO_NODE_CDS",
                                "true",
                                "EXTRA_JAVA_OPTS",
                                "-Xlog:class+load=info:file=" + classLog))) {
            node.awaitServing(START);
            assertTrue(Files.exists(archive), "the recorded archive was checked and moved in");
            assertFalse(Files.exists(recorded));
            assertFalse(Files.exists(lock));
            List<String> loaded = Files.readAllLines(classLog, StandardCharsets.UTF_8);
            long shared = loaded.stream().filter(l -> l.contains("source: shared objects")).count();
            long sharedNodeClasses =
                    loaded.stream()
                            .filter(l -> l.contains("source: shared objects"))
                            .filter(l -> l.contains(" ai.hanzo.node.core."))
                            .count();
            assertTrue(
                    shared > loaded.size() / 2,
                    shared + " of " + loaded.size() + " classes mapped from the archive");
            assertTrue(sharedNodeClasses > 0, "bundle classes come from the archive too");
            assertEquals(0, node.terminate(STOP), node.output());
        }

        // damaged but of the recorded size, so the script passes it on: the JVM refuses it and
        // the node starts without it
        try (FileChannel file = FileChannel.open(archive, StandardOpenOption.WRITE)) {
            byte[] garbage = new byte[4096];
            Arrays.fill(garbage, (byte) 0x5a);
            file.write(ByteBuffer.wrap(garbage), 0);
        }
        try (NodeProcess node = NodeProcess.start(home, List.of(), CDS)) {
            node.awaitServing(START);
            assertFalse(Files.exists(lock), "not recorded again: the stamp matches");
            assertEquals(0, node.terminate(STOP), node.output());
        }

        // dumped by another JDK (the stamp differs): recorded again at this start
        Files.writeString(stamp, "/another/jdk/bin/java JAVA_RUNTIME_VERSION=\"0\"\n");
        try (NodeProcess node = NodeProcess.start(home, List.of(), CDS)) {
            node.awaitServing(START);
            assertTrue(Files.exists(lock), "a stale archive is recorded again");
            assertFalse(Files.exists(archive), "and no longer used");
            assertEquals(0, node.terminate(STOP), node.output());
        }
        assertTrue(Files.size(recorded) > 1_000_000);
    }
}
