package ai.hanzo.node.storage.internal;

import ai.hanzo.node.api.node.MetricsSample;
import ai.hanzo.node.api.node.NodeMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The metrics history at one sample per second with 24 h retained: appending the next second's
 * sample (which also prunes the expired minute), and querying the whole 24 h window.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class MetricsHistoryBenchmark {
    private static final long DAY = Duration.ofHours(24).getSeconds();

    /** The node's clock, moved one second per appended sample. */
    static final class SteppingClock extends Clock {
        volatile long second;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochSecond(second);
        }
    }

    private Path dir;
    private ChronicleNodeStore store;
    private final SteppingClock clock = new SteppingClock();

    @Setup(Level.Trial)
    public void fill() throws IOException {
        dir = Files.createTempDirectory("metrics-bench");
        store = new ChronicleNodeStore(dir.resolve("store"), StoreSettings.defaults(), clock, false, null);
        clock.second = Instant.parse("2026-11-23T00:00:00Z").getEpochSecond();
        for (long i = 0; i < DAY; i++) {
            appendNext();
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    private void appendNext() {
        long s = ++clock.second;
        store.appendMetrics(new MetricsSample(Instant.ofEpochSecond(s),
                new NodeMetrics(0.5, 0.25, 0.125, s % 1000, s % 777, (int) (s % 9))));
    }

    @Benchmark
    public void append() {
        appendNext();
    }

    @Benchmark
    public List<MetricsSample> query24h() {
        Instant now = clock.instant();
        return store.metrics(now.minusSeconds(DAY), now);
    }
}
