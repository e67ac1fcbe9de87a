package ai.hanzo.node.p2p.internal.kad;

import ai.hanzo.node.p2p.internal.identity.PeerId;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Kademlia k-buckets over the SHA-256 of peer ids: bucket i holds peers whose distance to this node
 * has i leading zero bits. Each bucket keeps at most K peers, least recently seen first; a full
 * bucket keeps its old peers (they are the likeliest to stay). Not thread-safe: the DHT uses it
 * from one event loop.
 */
final class RoutingTable {
    static final int K = 20;

    private final byte[] self;
    private final List<LinkedHashSet<PeerId>> buckets = new ArrayList<>();

    RoutingTable(PeerId self) {
        this.self = hash(self.toBytes());
        for (int i = 0; i <= 256; i++) {
            buckets.add(new LinkedHashSet<>());
        }
    }

    static byte[] hash(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static int commonPrefix(byte[] a, byte[] b) {
        for (int i = 0; i < a.length; i++) {
            int x = (a[i] ^ b[i]) & 0xff;
            if (x != 0) {
                return i * 8 + Integer.numberOfLeadingZeros(x) - 24;
            }
        }
        return a.length * 8;
    }

    /**
     * @return whether the peer is (now) in the table
     */
    boolean add(PeerId peer) {
        byte[] h = hash(peer.toBytes());
        LinkedHashSet<PeerId> bucket = buckets.get(commonPrefix(self, h));
        if (bucket.remove(peer)) {
            bucket.add(peer);
            return true;
        }
        if (bucket.size() >= K) {
            return false;
        }
        bucket.add(peer);
        return true;
    }

    void remove(PeerId peer) {
        buckets.get(commonPrefix(self, hash(peer.toBytes()))).remove(peer);
    }

    int size() {
        return buckets.stream().mapToInt(LinkedHashSet::size).sum();
    }

    /**
     * @return up to {@code n} peers closest to the hashed key {@code target}
     */
    List<PeerId> closest(byte[] target, int n) {
        List<PeerId> all = new ArrayList<>();
        buckets.forEach(all::addAll);
        all.sort(byDistance(target));
        return all.subList(0, Math.min(n, all.size()));
    }

    static Comparator<PeerId> byDistance(byte[] target) {
        return (x, y) -> compareDistance(hash(x.toBytes()), hash(y.toBytes()), target);
    }

    static int compareDistance(byte[] a, byte[] b, byte[] target) {
        for (int i = 0; i < target.length; i++) {
            int da = (a[i] ^ target[i]) & 0xff;
            int db = (b[i] ^ target[i]) & 0xff;
            if (da != db) {
                return Integer.compare(da, db);
            }
        }
        return 0;
    }
}
