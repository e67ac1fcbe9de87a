package ai.hanzo.node.storage.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.compute.ContainerRecord;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class CrashDurabilityTest {
    /** Enough writes that the maps (sized small) grow several times before the kill. */
    private static final int ACKS_BEFORE_KILL = 4_000;

    @TempDir Path dir;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void everyAcknowledgedWriteSurvivesKillNine() throws Exception {
        Path store = dir.resolve("store");
        Path home = Files.createDirectories(dir.resolve("home"));
        Process writer = fork(store, home);
        int lastAck = -1;
        boolean opened = false;
        try (BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.equals("open")) {
                    opened = true;
                } else if (line.startsWith("ack ")) {
                    lastAck = Integer.parseInt(line.substring(4));
                    if (lastAck == ACKS_BEFORE_KILL) {
                        // SIGKILL (kill -9): no shutdown hooks, no close; through the handle so our
                        // end of stdout stays
                        // open and the acks already in the pipe are still read
                        writer.toHandle().destroyForcibly();
                    }
                }
            }
        }
        assertTrue(writer.waitFor(60, TimeUnit.SECONDS));
        assertTrue(opened, "the writer never opened the store");
        assertEquals(137, writer.exitValue(), "the writer must have died by SIGKILL");
        assertTrue(lastAck >= ACKS_BEFORE_KILL, "acks seen: " + lastAck);
        assertTrue(
                Files.exists(store.resolve(StoreDirectory.OPEN_MARKER)),
                "the kill must leave the store unclosed");

        try (var s =
                NodeStoreTest.closing(
                        new ChronicleNodeStore(
                                store,
                                Fixtures.small(),
                                java.time.Clock.systemUTC(),
                                false,
                                null))) {
            List<Integer> missing = new ArrayList<>();
            for (int i = 0; i <= lastAck; i++) {
                var v = s.store().get("k" + i);
                if (v.isEmpty()) {
                    missing.add(i);
                } else {
                    assertArrayEquals(CrashWriter.value(i), v.get(), "k" + i);
                }
            }
            assertEquals(List.of(), missing, "acknowledged writes lost");
            for (int i = 0; i <= lastAck; i += 10) {
                assertTrue(s.store().container("c" + i).isPresent(), "c" + i);
            }
            // The write after the last ack may have landed before the kill did: it may be there,
            // nothing else unacknowledged may
            List<String> expected = new ArrayList<>();
            for (int i = 0; i <= lastAck; i += 70) {
                expected.add("c" + i);
            }
            List<String> found =
                    new ArrayList<>(
                            s.store().containersOf("d0").stream()
                                    .map(ContainerRecord::id)
                                    .sorted(
                                            java.util.Comparator.comparingInt(
                                                    CrashDurabilityTest::index))
                                    .toList());
            if ((lastAck + 1) % 70 == 0) {
                found.remove("c" + (lastAck + 1));
            }
            assertEquals(expected, found);
            assertTrue(s.store().metrics(Instant.EPOCH, Instant.MAX).size() >= lastAck / 10);
        }
        try (Stream<Path> files = Files.walk(home)) {
            assertEquals(
                    List.of(home), files.toList(), "nothing may be written to the home directory");
        }
    }

    private static int index(String containerId) {
        return Integer.parseInt(containerId.substring(1));
    }

    private Process fork(Path store, Path home) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command =
                new ArrayList<>(
                        List.of(
                                java,
                                "-Xmx256m",
                                "-Dchronicle.analytics.disable=true",
                                "-Duser.home=" + home,
                                "-Djna.tmpdir=" + dir.resolve("jna-tmp"),
                                "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                                "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
                                "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
                                "--add-opens=java.base/java.lang=ALL-UNNAMED",
                                "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                                "-cp",
                                System.getProperty("java.class.path"),
                                CrashWriter.class.getName(),
                                store.toString()));
        return new ProcessBuilder(command)
                .redirectError(dir.resolve("writer.err").toFile())
                .start();
    }
}
