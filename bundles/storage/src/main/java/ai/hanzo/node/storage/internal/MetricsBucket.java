package ai.hanzo.node.storage.internal;

import ai.hanzo.node.api.node.MetricsSample;
import ai.hanzo.node.api.node.NodeMetrics;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/**
 * The metrics samples of one minute, stored as one entry so that a 24 h range query is 1440 lookups
 * rather than 86400. Layout: schema version byte, a 60-bit mask of the seconds present, then for
 * each present second in order five doubles and an int.
 */
final class MetricsBucket {
    static final int SAMPLE_BYTES = 5 * Double.BYTES + Integer.BYTES;
    static final int HEADER_BYTES = 1 + Long.BYTES;

    /** The size of a bucket with every second present; metrics map entries are sized for it. */
    static final int FULL_BYTES = HEADER_BYTES + 60 * SAMPLE_BYTES;

    private final long minute;
    private final NodeMetrics[] seconds = new NodeMetrics[60];

    MetricsBucket(long minute) {
        this.minute = minute;
    }

    static MetricsBucket decode(long minute, byte[] bytes)
            throws ValueCodec.UndecodableValueException {
        if (bytes.length < HEADER_BYTES) {
            throw new ValueCodec.UndecodableValueException(
                    "damaged metrics bucket: " + bytes.length + " bytes", null);
        }
        int version = bytes[0] & 0xff;
        if (version == 0 || version > ValueCodec.SCHEMA_VERSION) {
            throw new ValueCodec.UndecodableValueException(
                    "metrics bucket has schema version "
                            + version
                            + ", this node reads 1.."
                            + ValueCodec.SCHEMA_VERSION
                            + " (written by a newer node?)",
                    null);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
        long mask = in.getLong();
        if (in.remaining() != Long.bitCount(mask) * SAMPLE_BYTES || (mask >>> 60) != 0) {
            throw new ValueCodec.UndecodableValueException(
                    "damaged metrics bucket: mask "
                            + Long.toHexString(mask)
                            + " does not match its "
                            + bytes.length
                            + " bytes",
                    null);
        }
        MetricsBucket bucket = new MetricsBucket(minute);
        for (int s = 0; s < 60; s++) {
            if ((mask & (1L << s)) != 0) {
                bucket.seconds[s] =
                        new NodeMetrics(
                                in.getDouble(),
                                in.getDouble(),
                                in.getDouble(),
                                in.getDouble(),
                                in.getDouble(),
                                in.getInt());
            }
        }
        return bucket;
    }

    void put(long epochSecond, NodeMetrics metrics) {
        seconds[(int) Math.floorMod(epochSecond, 60L)] = metrics;
    }

    byte[] encode() {
        long mask = 0;
        int n = 0;
        for (int s = 0; s < 60; s++) {
            if (seconds[s] != null) {
                mask |= 1L << s;
                n++;
            }
        }
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + n * SAMPLE_BYTES);
        out.put((byte) ValueCodec.SCHEMA_VERSION).putLong(mask);
        for (NodeMetrics m : seconds) {
            if (m != null) {
                out.putDouble(m.cpuUsage())
                        .putDouble(m.memoryUsage())
                        .putDouble(m.diskUsage())
                        .putDouble(m.networkRxBytesPerSecond())
                        .putDouble(m.networkTxBytesPerSecond())
                        .putInt(m.activeContainers());
            }
        }
        return out.array();
    }

    /** Adds this bucket's samples within [fromSecond, toSecond] to {@code into}, oldest first. */
    void collect(long fromSecond, long toSecond, List<MetricsSample> into) {
        for (int s = 0; s < 60; s++) {
            long t = minute * 60 + s;
            if (seconds[s] != null && t >= fromSecond && t <= toSecond) {
                into.add(new MetricsSample(Instant.ofEpochSecond(t), seconds[s]));
            }
        }
    }
}
