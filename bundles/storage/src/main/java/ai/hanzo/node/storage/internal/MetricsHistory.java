package ai.hanzo.node.storage.internal;

import ai.hanzo.node.api.node.MetricsSample;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics history: one map entry per minute ({@link MetricsBucket}), keyed by epoch minute.
 * Pruning does not scan: the lowest minute that may still hold data (the low watermark) is kept
 * under a reserved key, and each append deletes the buckets between it and the retention cutoff, so
 * every bucket is deleted once, by the append that first finds it expired.
 */
final class MetricsHistory {
    /** Reserved key of the low watermark; no real minute is negative this century. */
    static final long LOW_WATERMARK_KEY = Long.MIN_VALUE;

    private final Logger logger = LoggerFactory.getLogger(MetricsHistory.class);
    private final GrowableMap<Long> buckets;
    private final Duration retention;
    private final Clock clock;
    private final ReentrantLock appendLock = new ReentrantLock();
    private long lowWatermark;

    MetricsHistory(GrowableMap<Long> buckets, Duration retention, Clock clock) {
        this.buckets = buckets;
        this.retention = retention;
        this.clock = clock;
        byte[] stored = buckets.get(LOW_WATERMARK_KEY);
        long low = Long.MAX_VALUE;
        if (stored != null) {
            try {
                low = ValueCodec.decodeLong(stored);
            } catch (ValueCodec.UndecodableValueException e) {
                throw StoreErrors.undecodable(buckets.file(), "metrics low watermark", e);
            }
        }
        this.lowWatermark = low;
    }

    Duration retention() {
        return retention;
    }

    private long cutoffSecond() {
        return clock.instant().getEpochSecond() - retention.getSeconds();
    }

    void append(MetricsSample sample) {
        long second = sample.timestamp().getEpochSecond();
        long minute = Math.floorDiv(second, 60L);
        long cutoff = cutoffSecond();
        if (second < cutoff) {
            logger.debug(
                    "Dropping metrics sample at {}: older than the retention of {}",
                    sample.timestamp(),
                    retention);
            return;
        }
        appendLock.lock();
        try {
            if (minute < lowWatermark) {
                // record the new low first: a crash after it leaves at most a later no-op deletion
                lowWatermark = minute;
                buckets.put(LOW_WATERMARK_KEY, ValueCodec.encodeLong(minute));
            }
            byte[] stored = buckets.get(minute);
            MetricsBucket bucket =
                    stored == null ? new MetricsBucket(minute) : decode(minute, stored);
            bucket.put(second, sample.metrics());
            buckets.put(minute, bucket.encode());
            prune(Math.floorDiv(cutoff, 60L));
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Deletes whole buckets before {@code cutoffMinute}; the bucket holding the cutoff is filtered
     * on read.
     */
    private void prune(long cutoffMinute) {
        if (lowWatermark >= cutoffMinute) {
            return;
        }
        long gap = cutoffMinute - lowWatermark;
        if (gap > 2 * buckets.size() + 2) {
            // after a long downtime walking the map is cheaper than deleting every minute of the
            // gap
            List<Long> expired = new ArrayList<>();
            buckets.forEach(
                    (minute, value) -> {
                        if (minute != LOW_WATERMARK_KEY && minute < cutoffMinute) {
                            expired.add(minute);
                        }
                    });
            expired.forEach(buckets::remove);
        } else {
            for (long m = lowWatermark; m < cutoffMinute; m++) {
                buckets.remove(m);
            }
        }
        lowWatermark = cutoffMinute;
        buckets.put(LOW_WATERMARK_KEY, ValueCodec.encodeLong(cutoffMinute));
    }

    List<MetricsSample> range(Instant from, Instant to) {
        long fromSecond = Math.max(from.getEpochSecond(), cutoffSecond());
        // samples stamped further ahead than one retention are not kept apart: bound the walk
        long toSecond =
                Math.min(
                        to.getEpochSecond(),
                        clock.instant().getEpochSecond() + retention.getSeconds());
        List<MetricsSample> samples = new ArrayList<>();
        if (toSecond < fromSecond) {
            return samples;
        }
        long last = Math.floorDiv(toSecond, 60L);
        byte[] buffer = new byte[MetricsBucket.FULL_BYTES];
        for (long minute = Math.floorDiv(fromSecond, 60L); minute <= last; minute++) {
            byte[] stored = buckets.getUsing(minute, buffer);
            if (stored != null) {
                decode(minute, stored).collect(fromSecond, toSecond, samples);
            }
        }
        return samples;
    }

    private MetricsBucket decode(long minute, byte[] stored) {
        try {
            return MetricsBucket.decode(minute, stored);
        } catch (ValueCodec.UndecodableValueException e) {
            throw StoreErrors.undecodable(buckets.file(), "minute " + minute, e);
        }
    }
}
