package ai.hanzo.node.bench;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.pubsub.Gossipsub;
import ai.hanzo.node.p2p.internal.pubsub.GossipsubConfig;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import io.netty.channel.nio.NioEventLoopGroup;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many nodes in one JVM (one shared 2-thread event loop group), each dialing 8 random others, each
 * publishing a 256-byte heartbeat on {@code hanzo/heartbeat/v1} every 10 s (staggered), gossipsub
 * heartbeat 1 s: propagation to all nodes, mesh degrees, duplicates per message, memory and CPU
 * per node; then 20% of the nodes leave at once and the same is measured among the rest.
 */
final class ScaleBench {
    static final String TOPIC = "hanzo/heartbeat/v1";
    static final long PERIOD_NANOS = TimeUnit.SECONDS.toNanos(10);

    private ScaleBench() {}

    /** Per published message: when, and when each receiver got it. */
    static final class Sent {
        final long at;
        final AtomicInteger receivers = new AtomicInteger();
        volatile long lastNanos;

        Sent(long at) {
            this.at = at;
        }
    }

    static void run(int n, int seconds) throws Exception {
        System.out.println("load average " + P2pBench.loadAverage() + " at the start");
        NioEventLoopGroup group = new NioEventLoopGroup(2);
        Random random = new Random(13);
        // every node is on 127.0.0.1: exempt loopback from the per-address limits
        Libp2pHost.Limits limits = Libp2pHost.Limits.defaults().withAccessLists(List.of("127.0.0.1"), List.of());
        long heap0 = heapAfterGc();
        List<P2pNode> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            nodes.add(new P2pNode(IdentityKey.generate(),
                    new P2pNode.Settings(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"), List.of(), limits, Duration.ofSeconds(1)),
                    group).start());
        }
        AtomicInteger dialFailures = new AtomicInteger();
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(8);
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 8; k++) {
                int j = random.nextInt(n);
                if (j != i) {
                    // a few handshakes at a time: hundreds at once on 2 cores miss the 5 s upgrade deadline
                    inFlight.acquire();
                    nodes.get(i).connect(nodes.get(j).listenAddresses().get(0)).toCompletableFuture().handle((v, e) -> {
                        inFlight.release();
                        if (e != null && dialFailures.incrementAndGet() <= 3) {
                            System.out.println("dial failed: " + e);
                        }
                        return null;
                    });
                }
            }
        }
        Map<Long, Sent> sent = new ConcurrentHashMap<>();
        List<Subscription> subs = new ArrayList<>();
        List<List<Double>> latencies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Double> mine = Collections.synchronizedList(new ArrayList<>());
            latencies.add(mine);
            subs.add(nodes.get(i).subscribe(TOPIC, m -> {
                long now = System.nanoTime();
                long key = ByteBuffer.wrap(m.data()).getLong(0);
                Sent s = sent.get(key);
                if (s != null) {
                    s.receivers.incrementAndGet();
                    s.lastNanos = Math.max(s.lastNanos, now);
                    mine.add((now - s.at) / 1e6);
                }
            }));
        }
        // meshes form over a few gossipsub heartbeats
        Thread.sleep(15_000);
        GossipsubConfig cfg = nodes.get(0).pubsub().config();
        int minConn = Integer.MAX_VALUE;
        int maxConn = 0;
        for (P2pNode p : nodes) {
            minConn = Math.min(minConn, p.host().connections().size());
            maxConn = Math.max(maxConn, p.host().connections().size());
        }
        System.out.printf(Locale.ROOT, "connections per node %d..%d, %d dials failed%n", minConn, maxConn, dialFailures.get());
        System.out.printf(Locale.ROOT, "%d nodes, %d heap MiB for all after GC (%.0f KiB per node)%n", n,
                (heapAfterGc() - heap0) >> 20, (heapAfterGc() - heap0) / 1024.0 / n);
        phase("all " + n + " nodes", nodes, sent, latencies, seconds, cfg, random);

        // 20% leave at once
        List<P2pNode> leaving = new ArrayList<>(nodes);
        Collections.shuffle(leaving, random);
        leaving = leaving.subList(0, n / 5);
        long t = System.nanoTime();
        for (P2pNode l : leaving) {
            int idx = nodes.indexOf(l);
            subs.get(idx).close();
            l.close();
        }
        System.out.printf(Locale.ROOT, "%d nodes left at once (closing took %.1f s)%n", leaving.size(), (System.nanoTime() - t) / 1e9);
        List<P2pNode> rest = new ArrayList<>(nodes);
        rest.removeAll(leaving);
        List<List<Double>> restLat = new ArrayList<>();
        for (P2pNode r : rest) {
            restLat.add(latencies.get(nodes.indexOf(r)));
        }
        // mesh repair: heartbeats until every remaining node has at least D_lo mesh peers again
        long repairStart = System.nanoTime();
        String repaired = "not within 30 s";
        while (System.nanoTime() - repairStart < TimeUnit.SECONDS.toNanos(30)) {
            int[] d = degrees(rest);
            if (d[0] >= cfg.dLo()) {
                repaired = String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - repairStart) / 1e9);
                break;
            }
            Thread.sleep(200);
        }
        System.out.println("every remaining node back at D_lo or more mesh peers after " + repaired);
        phase("after 20% left (" + rest.size() + " nodes)", rest, sent, restLat, seconds / 2, cfg, random);
        subs.forEach(Subscription::close);
        rest.forEach(P2pNode::close);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        System.out.println("load average " + P2pBench.loadAverage() + " at the end");
    }

    /** @return min, max, and nodes within D_lo..D_hi */
    static int[] degrees(List<P2pNode> nodes) throws Exception {
        GossipsubConfig cfg = nodes.get(0).pubsub().config();
        int min = Integer.MAX_VALUE;
        int max = 0;
        int within = 0;
        for (P2pNode p : nodes) {
            int d = p.pubsub().meshPeers(TOPIC).get(60, TimeUnit.SECONDS).size();
            min = Math.min(min, d);
            max = Math.max(max, d);
            if (d >= cfg.dLo() && d <= cfg.dHi()) {
                within++;
            }
        }
        return new int[] {min, max, within};
    }

    static void phase(String name, List<P2pNode> nodes, Map<Long, Sent> sent, List<List<Double>> latencies, int seconds,
            GossipsubConfig cfg, Random random) throws Exception {
        int n = nodes.size();
        for (List<Double> l : latencies) {
            l.clear();
        }
        long dup0 = 0;
        long first0 = 0;
        for (P2pNode p : nodes) {
            Gossipsub.DeliveryCounts c = p.pubsub().deliveryCounts().get(60, TimeUnit.SECONDS);
            dup0 += c.duplicates();
            first0 += c.first();
        }
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        List<Sent> mine = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        // node i publishes at start + i * period / n + k * period
        long next = start;
        int k = 0;
        while (true) {
            int i = k % n;
            long due = start + (k / n) * PERIOD_NANOS + i * PERIOD_NANOS / n;
            if (due >= end) {
                break;
            }
            long left;
            while ((left = due - System.nanoTime()) > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(left);
            }
            byte[] payload = new byte[256];
            long key = ((long) k << 20) ^ random.nextInt(1 << 20);
            ByteBuffer.wrap(payload).putLong(key);
            Sent s = new Sent(System.nanoTime());
            sent.put(key, s);
            mine.add(s);
            nodes.get(i).publish(TOPIC, payload);
            k++;
            next = due;
        }
        Thread.sleep(3000); // stragglers (benchmark, not a test)
        double cpuSecs = (os.getProcessCpuTime() - cpu0) / 1e9;
        double wall = (System.nanoTime() - start) / 1e9;
        long dup = -dup0;
        long first = -first0;
        for (P2pNode p : nodes) {
            Gossipsub.DeliveryCounts c = p.pubsub().deliveryCounts().get(60, TimeUnit.SECONDS);
            dup += c.duplicates();
            first += c.first();
        }
        List<Double> all = new ArrayList<>();
        for (List<Double> l : latencies) {
            synchronized (l) {
                all.addAll(l);
            }
        }
        double[] lat = all.stream().mapToDouble(Double::doubleValue).toArray();
        List<Double> full = new ArrayList<>();
        int complete = 0;
        for (Sent s : mine) {
            if (s.receivers.get() >= n - 1) {
                complete++;
                full.add((s.lastNanos - s.at) / 1e6);
            }
        }
        double[] fullLat = full.stream().mapToDouble(Double::doubleValue).toArray();
        int[] d = degrees(nodes);
        System.out.printf(Locale.ROOT,
                "%s: %d messages in %d s; delivery p50 %.1f ms p99 %.1f ms; reached all %d others: %d of %d, full propagation p50 %.1f ms p99 %.1f ms;"
                        + " duplicates per message %.2f (per delivery %.2f); mesh degree min %d max %d, %d of %d nodes within D_lo..D_hi (%d..%d);"
                        + " CPU %.2f%% of one core per node%n",
                name, mine.size(), seconds, P2pBench.pct(lat, 50), P2pBench.pct(lat, 99), n - 1, complete, mine.size(),
                P2pBench.pct(fullLat, 50), P2pBench.pct(fullLat, 99), mine.isEmpty() ? 0.0 : dup / (double) mine.size(),
                first == 0 ? 0.0 : dup / (double) first, d[0], d[1], d[2], n, cfg.dLo(), cfg.dHi(), 100.0 * cpuSecs / wall / n);
    }

    static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
