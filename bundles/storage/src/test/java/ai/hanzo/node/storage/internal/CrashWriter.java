package ai.hanzo.node.storage.internal;

import ai.hanzo.node.api.node.MetricsSample;
import ai.hanzo.node.api.node.NodeMetrics;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;

/**
 * Run in a forked JVM by {@link CrashDurabilityTest}: writes until killed and prints {@code ack
 * <n>} on stdout after each write has returned.
 */
public final class CrashWriter {
    private CrashWriter() {}

    static byte[] value(int i) {
        return ("value-" + i + "-" + "p".repeat(i % 50)).getBytes(StandardCharsets.UTF_8);
    }

    public static void main(String[] args) {
        PrintStream out =
                new PrintStream(
                        new java.io.FileOutputStream(java.io.FileDescriptor.out),
                        true,
                        StandardCharsets.UTF_8);
        ChronicleNodeStore store =
                new ChronicleNodeStore(
                        Path.of(args[0]), Fixtures.small(), Clock.systemUTC(), false, null);
        out.println("open");
        Instant t = Instant.now();
        for (int i = 0; ; i++) {
            store.put("k" + i, value(i));
            if (i % 10 == 0) {
                store.putContainer(Fixtures.container("c" + i, "d" + (i % 7)));
                store.appendMetrics(
                        new MetricsSample(
                                t.plusSeconds(i / 10), new NodeMetrics(0.1, 0.2, 0.3, i, i, i)));
            }
            out.println("ack " + i);
        }
    }
}
