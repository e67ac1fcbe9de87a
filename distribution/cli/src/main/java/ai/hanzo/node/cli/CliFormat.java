package ai.hanzo.node.cli;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Numbers and times as the tables show them. */
final class CliFormat {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private CliFormat() {}

    static String percent(double ratio) {
        return String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }

    static String bytes(double bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int unit = 0;
        double value = bytes;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0
                ? String.format(Locale.ROOT, "%.0f%s", value, units[unit])
                : String.format(Locale.ROOT, "%.1f%s", value, units[unit]);
    }

    static String uptime(long seconds) {
        long d = seconds / 86400;
        long h = seconds % 86400 / 3600;
        long m = seconds % 3600 / 60;
        long s = seconds % 60;
        if (d > 0) {
            return d + "d" + h + "h" + m + "m";
        }
        if (h > 0) {
            return h + "h" + m + "m";
        }
        return m > 0 ? m + "m" + s + "s" : s + "s";
    }

    /**
     * @param timestamp unix seconds (or milliseconds, which nodes may send: anything past the year
     *     5000 in seconds is read as milliseconds)
     */
    static String time(long timestamp) {
        return TIME.format(
                timestamp > 100_000_000_000L
                        ? Instant.ofEpochMilli(timestamp)
                        : Instant.ofEpochSecond(timestamp));
    }

    static String shortId(String id, boolean full) {
        return full || id.length() <= 12 ? id : id.substring(0, 12);
    }
}
