package ai.hanzo.node.p2p.internal.transport;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Which inbound TCP connections the host takes on, before and after their upgrade. Pending (not yet
 * upgraded) connections have their own small cap, per address and in total; when the total is
 * reached, a newcomer from an address holding fewer pending connections than the busiest one
 * displaces that address's least advanced, oldest pending connection, so one address (or a few)
 * cannot keep everyone else out. New connections per address are rate limited with a token bucket.
 * Established connections are capped per address and are never displaced.
 */
final class InboundAdmission {
    /** A pending inbound connection. */
    static final class Pending {
        final InetAddress address;
        final long acceptedNanos;
        final Runnable close;
        final boolean trusted;
        int progress;
        boolean gone;
        boolean established;

        Pending(InetAddress address, long acceptedNanos, Runnable close, boolean trusted) {
            this.address = address;
            this.acceptedNanos = acceptedNanos;
            this.close = close;
            this.trusted = trusted;
        }
    }

    /**
     * The outcome of {@link #admit}.
     *
     * @param pending the admitted connection, or null when refused
     * @param refusal why not, when refused
     * @param evicted a pending connection to close to make room, or null
     */
    record Admission(Pending pending, String refusal, Pending evicted) {}

    private static final class Bucket {
        double tokens;
        long lastNanos;
    }

    private final Libp2pHost.Limits limits;
    private final LongSupplier nanos;
    private final List<Pending> pending = new ArrayList<>();
    private final Map<InetAddress, Integer> pendingPerAddress = new HashMap<>();
    private final Map<InetAddress, Integer> establishedPerAddress = new HashMap<>();
    private final Map<InetAddress, Bucket> buckets = new HashMap<>();

    InboundAdmission(Libp2pHost.Limits limits, LongSupplier nanos) {
        this.limits = limits;
        this.nanos = nanos;
    }

    /**
     * Decides on a connection just accepted.
     *
     * @param trusted on the operator's allow list: exempt from every limit here
     * @param established connections the host holds now (all directions)
     */
    synchronized Admission admit(
            InetAddress address, Runnable close, boolean trusted, int established) {
        long now = nanos.getAsLong();
        if (trusted) {
            Pending p = new Pending(address, now, close, true);
            return new Admission(p, null, null);
        }
        if (established >= limits.maxConnections()) {
            return new Admission(null, "connection limit", null);
        }
        if (!takeToken(address, now)) {
            return new Admission(null, "new-connection rate limit", null);
        }
        if (establishedPerAddress.getOrDefault(address, 0) >= limits.maxConnectionsPerAddress()) {
            return new Admission(null, "per-address connection limit", null);
        }
        int mine = pendingPerAddress.getOrDefault(address, 0);
        if (mine >= limits.maxPendingPerAddress()) {
            return new Admission(null, "per-address pending limit", null);
        }
        Pending evicted = null;
        if (pending.size() >= limits.maxPendingInbound()) {
            evicted = victim(mine);
            if (evicted == null) {
                return new Admission(null, "pending limit", null);
            }
            removePending(evicted);
        }
        Pending p = new Pending(address, now, close, false);
        pending.add(p);
        pendingPerAddress.merge(address, 1, Integer::sum);
        return new Admission(p, null, evicted);
    }

    /** The least advanced, oldest pending connection of the address holding the most. */
    private Pending victim(int newcomersPending) {
        InetAddress busiest = null;
        int most = 0;
        for (Map.Entry<InetAddress, Integer> e : pendingPerAddress.entrySet()) {
            if (e.getValue() > most) {
                most = e.getValue();
                busiest = e.getKey();
            }
        }
        if (busiest == null || most <= newcomersPending + 1) {
            return null;
        }
        Pending best = null;
        for (Pending p : pending) {
            if (p.address.equals(busiest)
                    && (best == null
                            || p.progress < best.progress
                            || (p.progress == best.progress
                                    && p.acceptedNanos < best.acceptedNanos))) {
                best = p;
            }
        }
        return best;
    }

    private boolean takeToken(InetAddress address, long now) {
        double rate = limits.newConnectionsPerAddressPerSecond();
        double burst = Math.max(1, rate * 2);
        Bucket b = buckets.get(address);
        if (b == null) {
            if (buckets.size() >= 65_536) {
                forgetFullBuckets(now, rate, burst);
            }
            b = new Bucket();
            b.tokens = burst;
            b.lastNanos = now;
            buckets.put(address, b);
        }
        b.tokens = Math.min(burst, b.tokens + (now - b.lastNanos) / 1e9 * rate);
        b.lastNanos = now;
        if (b.tokens < 1) {
            return false;
        }
        b.tokens -= 1;
        return true;
    }

    private void forgetFullBuckets(long now, double rate, double burst) {
        for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
            Bucket b = it.next();
            if (b.tokens + (now - b.lastNanos) / 1e9 * rate >= burst) {
                it.remove();
            }
        }
        if (buckets.size() >= 65_536) {
            // a flood from more distinct addresses than that: start over rather than grow
            buckets.clear();
        }
    }

    /** The connection got further in its upgrade (1: first bytes, 2: secured). */
    synchronized void progressed(Pending p, int stage) {
        p.progress = Math.max(p.progress, stage);
    }

    /**
     * The connection finished its upgrade.
     *
     * @return null when it may stay, else why it must close
     */
    synchronized String upgraded(Pending p, int established) {
        if (p.gone) {
            return "displaced while pending";
        }
        if (!p.trusted) {
            removePending(p);
            // the connection itself is already in the host's table: above, not at the limit
            if (established > limits.maxConnections()) {
                p.gone = true;
                return "connection limit";
            }
            int n = establishedPerAddress.getOrDefault(p.address, 0);
            if (n >= limits.maxConnectionsPerAddress()) {
                p.gone = true;
                return "per-address connection limit";
            }
            establishedPerAddress.put(p.address, n + 1);
        }
        p.established = true;
        return null;
    }

    /** The connection closed, at whatever stage. */
    synchronized void closed(Pending p) {
        if (p.trusted) {
            p.gone = true;
            return;
        }
        if (p.established) {
            p.established = false;
            establishedPerAddress.computeIfPresent(p.address, (a, n) -> n > 1 ? n - 1 : null);
        } else if (!p.gone) {
            removePending(p);
        }
        p.gone = true;
    }

    private void removePending(Pending p) {
        if (pending.remove(p)) {
            pendingPerAddress.computeIfPresent(p.address, (a, n) -> n > 1 ? n - 1 : null);
        }
        p.gone = true;
    }

    /**
     * @return pending inbound connections now
     */
    synchronized int pendingCount() {
        return pending.size();
    }

    /**
     * @return established inbound connections from {@code address} now
     */
    synchronized int establishedFrom(InetAddress address) {
        return establishedPerAddress.getOrDefault(address, 0);
    }
}
