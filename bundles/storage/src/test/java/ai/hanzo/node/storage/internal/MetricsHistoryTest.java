package ai.hanzo.node.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.node.MetricsSample;
import ai.hanzo.node.api.node.NodeMetrics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsHistoryTest {
    @TempDir Path dir;

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now;

        ManualClock(Instant now) {
            this.now = now;
        }

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
            return now;
        }
    }

    private static NodeMetrics metrics(int i) {
        return new NodeMetrics(i / 1000.0, 0.5, 0.25, i * 10.0, i * 20.0, i % 7);
    }

    private ChronicleNodeStore open(ManualClock clock, Duration retention) {
        return new ChronicleNodeStore(
                dir, Fixtures.small().withMetricsRetention(retention), clock, false, null);
    }

    @Test
    void rangeQueriesReturnRetainedSamplesOldestFirstWithInclusiveBounds() {
        ManualClock clock = new ManualClock(Fixtures.T0);
        try (var s = NodeStoreTest.closing(open(clock, Duration.ofHours(24)))) {
            for (int i = 0; i < 600; i++) {
                clock.now = Fixtures.T0.plusSeconds(i);
                s.store().appendMetrics(new MetricsSample(clock.now, metrics(i)));
            }
            List<MetricsSample> range =
                    s.store().metrics(Fixtures.T0.plusSeconds(59), Fixtures.T0.plusSeconds(121));
            assertEquals(63, range.size());
            assertEquals(Fixtures.T0.plusSeconds(59), range.get(0).timestamp());
            assertEquals(metrics(121), range.get(62).metrics());
            assertEquals(600, s.store().metrics(Instant.EPOCH, Instant.MAX).size());
        }
    }

    @Test
    void fullAndPartialMinutesReadBackExactly() {
        ManualClock clock = new ManualClock(Fixtures.T0);
        List<Integer> seconds = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) {
            seconds.add(i); // a full minute
        }
        seconds.addAll(List.of(61, 90, 119)); // a partial one
        for (int i = 120; i < 180; i++) {
            seconds.add(i); // full again
        }
        seconds.add(200);
        try (var s = NodeStoreTest.closing(open(clock, Duration.ofHours(24)))) {
            for (int i : seconds) {
                clock.now = Fixtures.T0.plusSeconds(i);
                s.store().appendMetrics(new MetricsSample(clock.now, metrics(i)));
            }
            List<MetricsSample> all = s.store().metrics(Instant.EPOCH, Instant.MAX);
            assertEquals(seconds.size(), all.size());
            for (int k = 0; k < seconds.size(); k++) {
                int i = seconds.get(k);
                assertEquals(new MetricsSample(Fixtures.T0.plusSeconds(i), metrics(i)), all.get(k));
            }
        }
    }

    @Test
    void aSecondSampleInTheSameSecondReplacesTheFirst() {
        ManualClock clock = new ManualClock(Fixtures.T0);
        try (var s = NodeStoreTest.closing(open(clock, Duration.ofHours(1)))) {
            s.store().appendMetrics(new MetricsSample(Fixtures.T0.plusMillis(100), metrics(1)));
            s.store().appendMetrics(new MetricsSample(Fixtures.T0.plusMillis(900), metrics(2)));
            assertEquals(
                    List.of(new MetricsSample(Fixtures.T0, metrics(2))),
                    s.store().metrics(Fixtures.T0, Fixtures.T0.plusSeconds(1)));
        }
    }

    @Test
    void samplesOlderThanTheRetentionArePrunedAndTheirBucketsDeleted() {
        ManualClock clock = new ManualClock(Fixtures.T0);
        Duration retention = Duration.ofMinutes(30);
        try (var s = NodeStoreTest.closing(open(clock, retention))) {
            for (int i = 0; i < 3 * 3600; i += 5) { // 3 h at one sample per 5 s
                clock.now = Fixtures.T0.plusSeconds(i);
                s.store().appendMetrics(new MetricsSample(clock.now, metrics(i)));
            }
            List<MetricsSample> all = s.store().metrics(Instant.EPOCH, Instant.MAX);
            Instant cutoff = clock.now.minus(retention);
            assertTrue(all.stream().allMatch(m -> !m.timestamp().isBefore(cutoff)));
            assertEquals(361, all.size());
        }
        try (var s = NodeStoreTest.closing(open(clock, retention))) {
            // the map holds the retained minutes (plus the cutoff's partial one) and the watermark,
            // not 3 h
            GrowableMapProbe probe = new GrowableMapProbe(dir);
            assertTrue(probe.metricsEntries() <= 33, "metrics buckets " + probe.metricsEntries());
            assertEquals(361, s.store().metrics(Instant.EPOCH, Instant.MAX).size());
        }
    }

    @Test
    void pruningAfterALongDowntimeRemovesEverythingExpired() {
        ManualClock clock = new ManualClock(Fixtures.T0);
        try (var s = NodeStoreTest.closing(open(clock, Duration.ofHours(1)))) {
            for (int i = 0; i < 600; i++) {
                clock.now = Fixtures.T0.plusSeconds(i);
                s.store().appendMetrics(new MetricsSample(clock.now, metrics(i)));
            }
        }
        clock.now = Fixtures.T0.plus(Duration.ofDays(365));
        try (var s = NodeStoreTest.closing(open(clock, Duration.ofHours(1)))) {
            assertTrue(s.store().metrics(Instant.EPOCH, Instant.MAX).isEmpty());
            s.store().appendMetrics(new MetricsSample(clock.now, metrics(1)));
            assertEquals(1, s.store().metrics(Instant.EPOCH, Instant.MAX).size());
        }
        assertTrue(new GrowableMapProbe(dir).metricsEntries() <= 2);
    }

    @Test
    void aSampleOlderThanTheRetentionIsNotStored() {
        ManualClock clock = new ManualClock(Fixtures.T0);
        try (var s = NodeStoreTest.closing(open(clock, Duration.ofHours(1)))) {
            s.store()
                    .appendMetrics(
                            new MetricsSample(Fixtures.T0.minus(Duration.ofHours(2)), metrics(1)));
            assertTrue(s.store().metrics(Instant.EPOCH, Instant.MAX).isEmpty());
        }
    }

    /** Counts the entries of the metrics map file by opening it with Chronicle directly. */
    record GrowableMapProbe(Path dir) {
        long metricsEntries() {
            try (var map =
                    net.openhft.chronicle.map.ChronicleMapBuilder.of(Long.class, byte[].class)
                            .entries(1)
                            .averageValueSize(1)
                            .createPersistedTo(dir.resolve("metrics.cm3").toFile())) {
                return map.longSize();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
