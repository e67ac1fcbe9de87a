package ai.hanzo.node.chain.internal;

import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.chain.PeerStake;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remote nodes' registrations by peer id, read in the background: network code asks on every
 * message and must never wait on the chain. One read per peer at a time; bounded in size.
 */
final class PeerStakeCache {
    private record Entry(Optional<PeerStake> stake, Instant readAt) {}

    private final Logger logger = LoggerFactory.getLogger(PeerStakeCache.class);
    private final Function<String, Optional<PeerStake>> reader;
    private final Executor background;
    private final Duration ttl;
    private final Clock clock;
    private final int capacity;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    // when each in-flight read started: one that never ran (a full worker queue) expires
    private final Map<String, Instant> reading = new ConcurrentHashMap<>();

    PeerStakeCache(
            Function<String, Optional<PeerStake>> reader,
            Executor background,
            Duration ttl,
            Clock clock,
            int capacity) {
        this.reader = reader;
        this.background = background;
        this.ttl = ttl;
        this.clock = clock;
        this.capacity = capacity;
    }

    Optional<PeerStake> get(String peerId) {
        Entry entry = entries.get(peerId);
        boolean stale = entry == null || entry.readAt().plus(ttl).isBefore(clock.instant());
        if (stale && startRead(peerId)) {
            try {
                background.execute(() -> read(peerId));
            } catch (RejectedExecutionException e) {
                reading.remove(peerId);
            }
            entry = entries.get(peerId);
        }
        return entry == null ? Optional.empty() : entry.stake();
    }

    private boolean startRead(String peerId) {
        Instant now = clock.instant();
        Instant started = reading.putIfAbsent(peerId, now);
        if (started == null) {
            return true;
        }
        return started.plus(ttl).isBefore(now) && reading.replace(peerId, started, now);
    }

    private void read(String peerId) {
        try {
            Optional<PeerStake> stake = reader.apply(peerId);
            if (entries.size() >= capacity && !entries.containsKey(peerId)) {
                // full: forget the oldest read to make room
                entries.entrySet().stream()
                        .min((a, b) -> a.getValue().readAt().compareTo(b.getValue().readAt()))
                        .ifPresent(oldest -> entries.remove(oldest.getKey()));
            }
            entries.put(peerId, new Entry(stake, clock.instant()));
        } catch (NodeException e) {
            // keep what was known; the next ask retries
            logger.debug("could not read the registration of peer {}: {}", peerId, e.getMessage());
        } finally {
            reading.remove(peerId);
        }
    }
}
