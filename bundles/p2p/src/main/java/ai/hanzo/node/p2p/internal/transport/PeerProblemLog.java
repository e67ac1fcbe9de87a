package ai.hanzo.node.p2p.internal.transport;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts what peers did wrong or were refused for, and says it in one line per interval: an
 * attacker opening thousands of connections or sending garbage costs a log line a minute, not a
 * line per connection. Each event is logged in full at debug.
 */
public final class PeerProblemLog {
    /** Distinct sources remembered per interval; the rest are counted together. */
    static final int MAX_SOURCES = 4096;

    private static final int TOP = 5;

    private final Logger logger = LoggerFactory.getLogger(PeerProblemLog.class);
    private final Consumer<String> sink;
    private final Map<String, Long> byKind = new TreeMap<>();
    private final Map<String, Long> bySource = new HashMap<>();
    private long otherSources;
    private long total;
    private boolean immediate;

    /**
     * @param sink where the summary lines go (the node logs them at INFO)
     */
    public PeerProblemLog(Consumer<String> sink) {
        this.sink = sink;
    }

    /** A log whose summaries go to this class's logger at INFO. */
    public static PeerProblemLog toLogger() {
        Logger l = LoggerFactory.getLogger(PeerProblemLog.class);
        return new PeerProblemLog(l::info);
    }

    /** A log that writes every event at once (for parts used without a host, as in tests). */
    public static PeerProblemLog unaggregated() {
        PeerProblemLog log = toLogger();
        log.immediate = true;
        return log;
    }

    /**
     * Counts one event.
     *
     * @param kind a short, fixed description, e.g. {@code "refused: pending limit"}
     * @param source the remote IP address or peer id
     * @param detail what exactly happened (debug only)
     */
    public void record(String kind, String source, String detail) {
        if (logger.isDebugEnabled()) {
            logger.debug("{} from {}: {}", kind, source, detail);
        }
        if (immediate) {
            logger.info("{} from {}: {}", kind, source, detail);
            return;
        }
        synchronized (this) {
            total++;
            byKind.merge(kind, 1L, Long::sum);
            Long n = bySource.get(source);
            if (n != null) {
                bySource.put(source, n + 1);
            } else if (bySource.size() < MAX_SOURCES) {
                bySource.put(source, 1L);
            } else {
                otherSources++;
            }
        }
    }

    /**
     * Writes the summary of what was recorded since the last call, if anything, and starts over.
     *
     * @param intervalDescription e.g. {@code "60 s"}
     * @return the line written
     */
    public Optional<String> flush(String intervalDescription) {
        String line;
        synchronized (this) {
            if (total == 0) {
                return Optional.empty();
            }
            StringBuilder sb =
                    new StringBuilder("Peer problems in the last ")
                            .append(intervalDescription)
                            .append(": ")
                            .append(total)
                            .append(" (");
            boolean first = true;
            for (Map.Entry<String, Long> e : byKind.entrySet()) {
                sb.append(first ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue());
                first = false;
            }
            List<Map.Entry<String, Long>> sources = new ArrayList<>(bySource.entrySet());
            sources.sort(
                    Map.Entry.<String, Long>comparingByValue()
                            .reversed()
                            .thenComparing(Map.Entry.comparingByKey()));
            sb.append("); top sources: ");
            for (int i = 0; i < Math.min(TOP, sources.size()); i++) {
                Map.Entry<String, Long> e = sources.get(i);
                sb.append(i == 0 ? "" : ", ")
                        .append(e.getKey())
                        .append(" (")
                        .append(e.getValue())
                        .append(')');
            }
            int distinct = sources.size();
            sb.append(" of ").append(distinct).append(distinct == 1 ? " source" : " sources");
            if (otherSources > 0) {
                sb.append(" and ").append(otherSources).append(" events from sources not counted");
            }
            sb.append("; details at DEBUG");
            line = sb.toString();
            byKind.clear();
            bySource.clear();
            otherSources = 0;
            total = 0;
        }
        sink.accept(line);
        return Optional.of(line);
    }
}
