package ai.hanzo.node.compute.internal;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.runtime.PortMapping;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the compose value syntaxes a deployment carries as strings: durations, memory sizes, CPU
 * counts, port mappings, stop signals. Every failure is an {@link InvalidArgumentException} naming
 * the field.
 */
public final class ComposeValues {
    private static final Pattern DURATION_PART =
            Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)");
    private static final Pattern MEMORY = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([bkmgt]?)b?");
    private static final Pattern PORT =
            Pattern.compile(
                    "^(?:(?:(\\[[0-9a-fA-F:.]+\\]|[0-9.]+):)?(\\d*):)?(\\d+)(?:/(tcp|udp|sctp))?$");
    private static final Set<String> SIGNALS =
            Set.of(
                    "HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM", "CONT", "STOP", "TSTP",
                    "WINCH");

    private ComposeValues() {}

    /**
     * @param field the field, for the message
     * @param value a compose duration such as {@code 1m30s}, {@code 500ms} or {@code 10} (seconds)
     * @return the duration
     */
    public static Duration duration(String field, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(v));
        }
        Matcher m = DURATION_PART.matcher(v);
        int end = 0;
        long nanos = 0;
        while (m.find() && m.start() == end) {
            BigDecimal n = new BigDecimal(m.group(1));
            long unit =
                    switch (m.group(2)) {
                        case "ns" -> 1L;
                        case "us" -> 1_000L;
                        case "ms" -> 1_000_000L;
                        case "s" -> 1_000_000_000L;
                        case "m" -> 60_000_000_000L;
                        default -> 3_600_000_000_000L;
                    };
            nanos += n.multiply(BigDecimal.valueOf(unit)).longValue();
            end = m.end();
        }
        if (end == 0 || end != v.length()) {
            throw new InvalidArgumentException(
                    field + ": '" + value + "' is not a duration (like 30s, 1m30s or 500ms)");
        }
        return Duration.ofNanos(nanos);
    }

    /**
     * @param field the field, for the message
     * @param value a compose duration, or empty
     * @param fallback the value when empty
     * @return the duration
     */
    public static Duration duration(String field, String value, Duration fallback) {
        return value == null || value.isBlank() ? fallback : duration(field, value);
    }

    /**
     * @param field the field, for the message
     * @param value a memory size such as {@code 512m}, {@code 2g}, {@code 1.5G} or {@code 1048576}
     * @return the size in bytes
     */
    public static long memoryBytes(String field, String value) {
        Matcher m = MEMORY.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new InvalidArgumentException(
                    field + ": '" + value + "' is not a memory size (like 512m or 2g)");
        }
        long unit =
                switch (m.group(2)) {
                    case "k" -> 1L << 10;
                    case "m" -> 1L << 20;
                    case "g" -> 1L << 30;
                    case "t" -> 1L << 40;
                    default -> 1L;
                };
        long bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)).longValue();
        if (bytes <= 0) {
            throw new InvalidArgumentException(field + ": '" + value + "' must be more than 0");
        }
        return bytes;
    }

    /**
     * @param field the field, for the message
     * @param value a CPU count such as {@code 0.5} or {@code 2}
     * @return the count
     */
    public static double cpus(String field, String value) {
        try {
            double cpus = Double.parseDouble(value.trim());
            if (!(cpus > 0) || Double.isInfinite(cpus)) {
                throw new NumberFormatException();
            }
            return cpus;
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException(
                    field + ": '" + value + "' is not a CPU count (like 0.5 or 2)");
        }
    }

    /**
     * Parses compose's short port syntax {@code [[ip:]host:]container[/protocol]}. A mapping
     * without a host address binds 127.0.0.1 (the node's loopback default).
     *
     * @param field the field, for the message
     * @param value the mapping
     * @return the mapping
     */
    public static PortMapping port(String field, String value) {
        Matcher m = PORT.matcher(value.trim());
        if (!m.matches()) {
            throw new InvalidArgumentException(
                    field
                            + ": '"
                            + value
                            + "' is not a port mapping (like 8080, 8080:80 or"
                            + " 127.0.0.1:8080:80/tcp)");
        }
        String ip = m.group(1) == null ? "127.0.0.1" : m.group(1).replace("[", "").replace("]", "");
        int host =
                m.group(2) == null || m.group(2).isEmpty()
                        ? 0
                        : portNumber(field, value, m.group(2));
        int container = portNumber(field, value, m.group(3));
        if (container == 0) {
            throw new InvalidArgumentException(field + ": '" + value + "' has container port 0");
        }
        return new PortMapping(ip, host, container, m.group(4) == null ? "tcp" : m.group(4));
    }

    private static int portNumber(String field, String value, String digits) {
        int p;
        try {
            p = Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 0 || p > 65535) {
            throw new InvalidArgumentException(
                    field + ": '" + value + "' has a port outside 0..65535");
        }
        return p;
    }

    /**
     * @param field the field, for the message
     * @param value a signal such as {@code SIGTERM}, {@code TERM} or {@code 15}
     * @return the signal's name without {@code SIG}, as {@code kill -s} takes it
     */
    public static String signal(String field, String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        if (v.startsWith("SIG")) {
            v = v.substring(3);
        }
        if (SIGNALS.contains(v)) {
            return v;
        }
        throw new InvalidArgumentException(
                field + ": '" + value + "' is not a signal (like SIGTERM or SIGINT)");
    }
}
