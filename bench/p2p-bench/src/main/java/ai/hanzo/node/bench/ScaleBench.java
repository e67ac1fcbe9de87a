package ai.hanzo.node.bench;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.pubsub.Gossipsub;
import ai.hanzo.node.p2p.internal.pubsub.GossipsubConfig;
import ai.hanzo.node.p2p.internal.pubsub.PeerScoreParams;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many nodes in one JVM (one shared 2-thread event loop group) plus a few nodes each in its own
 * network namespace and JVM (a separate host with its own address, joined by a veth pair), each
 * dialing 8 random others, each publishing a 256-byte heartbeat on {@code hanzo/heartbeat/v1}
 * every 10 s (staggered), gossipsub heartbeat 1 s: propagation to all nodes, mesh degrees,
 * duplicates per message, memory and CPU per node; then 20% of the nodes leave at once and the
 * same is measured among the rest.
 *
 * <p>Latency is measured against the publish time carried in the message (its bytes 8-15, {@code
 * System.nanoTime()} of the publishing process): on Linux that is CLOCK_MONOTONIC, one clock for
 * every process of the machine whatever its network namespace.
 */
final class ScaleBench {
    static final String TOPIC = "hanzo/heartbeat/v1";
    static final long PERIOD_NANOS = TimeUnit.SECONDS.toNanos(10);

    private ScaleBench() {}

    /** Per published message: when, and when each receiver got it. */
    static final class Sent {
        volatile long at;
        final AtomicInteger receivers = new AtomicInteger();
        volatile long lastNanos;

        Sent(long at) {
            this.at = at;
        }
    }

    /** What the bench needs of a node, in this JVM or in a namespace. */
    interface Member {
        void publish(long key);

        /** Mesh peers on the topic, first deliveries, duplicates. */
        long[] stats() throws Exception;

        void close();

        boolean remote();
    }

    /** Records deliveries from any member. */
    static final class Recorder {
        final Map<Long, Sent> sent = new ConcurrentHashMap<>();
        final Map<Member, List<Double>> latencies = new ConcurrentHashMap<>();

        void delivered(Member at, long key, long publishedNanos, long nowNanos) {
            Sent s = sent.get(key);
            if (s == null) {
                return;
            }
            s.at = publishedNanos;
            s.receivers.incrementAndGet();
            synchronized (s) {
                s.lastNanos = Math.max(s.lastNanos, nowNanos);
            }
            latencies.computeIfAbsent(at, m -> Collections.synchronizedList(new ArrayList<>()))
                    .add((nowNanos - publishedNanos) / 1e6);
        }
    }

    static byte[] payload(long key) {
        byte[] payload = new byte[256];
        ByteBuffer.wrap(payload).putLong(key).putLong(System.nanoTime());
        return payload;
    }

    /** A node of this JVM. */
    static final class Local implements Member {
        final P2pNode node;
        final Subscription sub;

        Local(P2pNode node, Recorder recorder) {
            this.node = node;
            this.sub = node.subscribe(TOPIC, m -> {
                long now = System.nanoTime();
                ByteBuffer b = ByteBuffer.wrap(m.data());
                recorder.delivered(this, b.getLong(0), b.getLong(8), now);
            });
        }

        int port() {
            String a = node.listenAddresses().get(0);
            return Integer.parseInt(a.replaceAll(".*/tcp/(\\d+)/.*", "$1"));
        }

        String address(String ip) {
            return "/ip4/" + ip + "/tcp/" + port() + "/p2p/" + node.localPeerId();
        }

        @Override
        public void publish(long key) {
            node.publish(TOPIC, payload(key));
        }

        @Override
        public long[] stats() throws Exception {
            Gossipsub.DeliveryCounts c = node.pubsub().deliveryCounts().get(60, TimeUnit.SECONDS);
            return new long[] {node.pubsub().meshPeers(TOPIC).get(60, TimeUnit.SECONDS).size(), c.first(), c.duplicates()};
        }

        @Override
        public void close() {
            sub.close();
            node.close();
        }

        @Override
        public boolean remote() {
            return false;
        }
    }

    /** A node in its own network namespace and JVM ({@link #nsNodeMain}), driven over stdin/stdout. */
    static final class Remote implements Member {
        final int index;
        final String peerId;
        final int port;
        final Process process;
        final Writer stdin;
        final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

        Remote(int index, String namespace, String allow, Recorder recorder) throws Exception {
            this.index = index;
            String java = ProcessHandle.current().info().command().orElse("java");
            // setsid: a session of its own, so with the kernel's autogroup scheduling (on here) the
            // namespace JVM gets its own CPU share, as a separate host would, instead of taking its
            // JIT, GC and event loop out of the share of the 96 in-JVM nodes (-w: stay its parent)
            process = new ProcessBuilder("setsid", "-w", "ip", "netns", "exec", namespace, java, "-Xmx128m", "-XX:+UseSerialGC",
                    "-cp", System.getProperty("java.class.path"), "ai.hanzo.node.bench.P2pBench", "--ns-node", allow)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            stdin = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            if (first == null || !first.startsWith("LISTEN ")) {
                throw new IllegalStateException("namespace node " + index + " did not start: " + first);
            }
            String[] f = first.split(" ");
            port = Integer.parseInt(f[1]);
            peerId = f[2];
            Thread reader = new Thread(() -> {
                try {
                    String l;
                    while ((l = out.readLine()) != null) {
                        if (l.startsWith("GOT ")) {
                            String[] g = l.split(" ");
                            recorder.delivered(this, Long.parseLong(g[1]), Long.parseLong(g[2]), Long.parseLong(g[3]));
                        } else if (l.startsWith("R ")) {
                            replies.add(l.substring(2));
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
            }, "ns-node-" + index);
            reader.setDaemon(true);
            reader.start();
        }

        synchronized void send(String line) {
            try {
                stdin.write(line + "\n");
                stdin.flush();
            } catch (IOException e) {
                throw new IllegalStateException("namespace node " + index + " is gone", e);
            }
        }

        String request(String line) throws InterruptedException {
            send(line);
            String r = replies.poll(60, TimeUnit.SECONDS);
            if (r == null) {
                throw new IllegalStateException("namespace node " + index + " did not answer " + line);
            }
            return r;
        }

        @Override
        public void publish(long key) {
            send("PUB " + key);
        }

        /**
         * Mesh degree, first deliveries, duplicates, heap used, process CPU ns, RSS KiB, connections,
         * event-loop run ns, event-loop run-queue wait ns.
         */
        long[] all() throws Exception {
            String[] f = request("STATS").split(" ");
            long[] v = new long[f.length];
            for (int i = 0; i < f.length; i++) {
                v[i] = Long.parseLong(f[i]);
            }
            return v;
        }

        long heapAfterGcBytes() throws Exception {
            return Long.parseLong(request("HEAP"));
        }

        @Override
        public long[] stats() throws Exception {
            long[] a = all();
            return new long[] {a[0], a[1], a[2]};
        }

        @Override
        public void close() {
            try {
                send("QUIT");
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (RuntimeException | InterruptedException e) {
                process.destroyForcibly();
            }
        }

        @Override
        public boolean remote() {
            return true;
        }
    }

    /** The child process of a {@link Remote}: one node, commands on stdin, deliveries on stdout. */
    static void nsNodeMain(String allow) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
        // stdout carries the protocol: the node's own logging goes to stderr (simplelogger default)
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        Libp2pHost.Limits limits = Libp2pHost.Limits.defaults().withAccessLists(List.of(allow), List.of());
        // every in-JVM node reaches this one from the veth pair's host end: exempt that address from
        // P6 (IP colocation), as the in-JVM nodes exempt loopback, or they would all score as sybils
        GossipsubConfig gossip = GossipsubConfig.defaults().withScore(
                PeerScoreParams.defaults().withIpColocationWhitelist(java.util.Set.of(allow)));
        P2pNode node = new P2pNode(IdentityKey.generate(),
                new P2pNode.Settings(Multiaddr.parse("/ip4/0.0.0.0/tcp/0"), List.of(), limits, Duration.ofSeconds(1)), group, gossip)
                .start();
        Object lock = new Object();
        Subscription sub = node.subscribe(TOPIC, m -> {
            long now = System.nanoTime();
            ByteBuffer b = ByteBuffer.wrap(m.data());
            synchronized (lock) {
                out.println("GOT " + b.getLong(0) + " " + b.getLong(8) + " " + now);
                out.flush();
            }
        });
        String a = node.listenAddresses().get(0);
        synchronized (lock) {
            out.println("LISTEN " + a.replaceAll(".*/tcp/(\\d+)/.*", "$1") + " " + node.localPeerId());
            out.flush();
        }
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String l;
        while ((l = in.readLine()) != null && !l.equals("QUIT")) {
            if (l.startsWith("DIAL ")) {
                dial(node, l.substring(5), 3);
            } else if (l.startsWith("PUB ")) {
                node.publish(TOPIC, payload(Long.parseLong(l.substring(4))));
            } else if (l.equals("HEAP")) {
                long heap = heapAfterGc();
                synchronized (lock) {
                    out.println("R " + heap);
                    out.flush();
                }
            } else if (l.equals("STATS")) {
                Gossipsub.DeliveryCounts c = node.pubsub().deliveryCounts().get(60, TimeUnit.SECONDS);
                int degree = node.pubsub().meshPeers(TOPIC).get(60, TimeUnit.SECONDS).size();
                long[] sched = eventLoopSchedstat();
                // no System.gc() here: the mesh-repair wait asks every 200 ms (HEAP asks with a GC)
                String reply = "R " + degree + " " + c.first() + " " + c.duplicates() + " "
                        + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() + " "
                        + os.getProcessCpuTime() + " " + rssKiB() + " " + node.host().connections().size() + " "
                        + sched[0] + " " + sched[1];
                synchronized (lock) {
                    out.println(reply);
                    out.flush();
                }
            }
        }
        sub.close();
        node.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Dials, and on failure dials again 3 s later, {@code tries} times in all (as bootstrap re-dials do). */
    static void dial(P2pNode node, String address, int tries) {
        node.connect(address).toCompletableFuture().exceptionally(e -> {
            if (tries > 1) {
                java.util.concurrent.CompletableFuture.delayedExecutor(3, TimeUnit.SECONDS).execute(() -> dial(node, address, tries - 1));
            } else {
                System.err.println("namespace node: dial failed 3 times: " + e);
            }
            return null;
        });
    }

    /**
     * CPU time and run-queue wait of this process's Netty event-loop threads, from
     * /proc/self/task/N/schedstat: {run ns, waited-for-a-CPU ns}. A loop that has work but waits
     * on the run queue is starved by the machine, not slow by itself.
     */
    static long[] eventLoopSchedstat() throws IOException {
        long run = 0;
        long wait = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    if (!Files.readString(t.resolve("comm")).startsWith("nioEventLoopGro")) {
                        continue;
                    }
                    String[] f = Files.readString(t.resolve("schedstat")).trim().split(" ");
                    run += Long.parseLong(f[0]);
                    wait += Long.parseLong(f[1]);
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        }
        return new long[] {run, wait};
    }

    /**
     * How long a task handed to each event loop waits before it runs (sampled every 100 ms): the
     * loops' backlog, whatever its cause.
     */
    static final class LoopLag implements AutoCloseable {
        private final List<Double> millis = Collections.synchronizedList(new ArrayList<>());
        private final Map<io.netty.util.concurrent.EventExecutor, java.util.concurrent.atomic.AtomicLong> pendingSince =
                new ConcurrentHashMap<>();
        private final Thread sampler;
        private volatile boolean stop;

        LoopLag(io.netty.channel.EventLoopGroup group) {
            for (io.netty.util.concurrent.EventExecutor e : group) {
                pendingSince.put(e, new java.util.concurrent.atomic.AtomicLong());
            }
            sampler = new Thread(() -> {
                while (!stop) {
                    for (Map.Entry<io.netty.util.concurrent.EventExecutor, java.util.concurrent.atomic.AtomicLong> e
                            : pendingSince.entrySet()) {
                        java.util.concurrent.atomic.AtomicLong since = e.getValue();
                        long t0 = System.nanoTime();
                        // one probe per loop at a time: a loop that is behind keeps its oldest probe
                        if (since.compareAndSet(0, t0)) {
                            e.getKey().execute(() -> {
                                millis.add((System.nanoTime() - t0) / 1e6);
                                since.set(0);
                            });
                        }
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
            }, "loop-lag");
            sampler.setDaemon(true);
            sampler.start();
        }

        /** @return p50, p99 and max since the last call, in ms (a probe still waiting counts with its age) */
        double[] takePercentiles() {
            List<Double> v;
            synchronized (millis) {
                v = new ArrayList<>(millis);
                millis.clear();
            }
            long now = System.nanoTime();
            for (java.util.concurrent.atomic.AtomicLong since : pendingSince.values()) {
                long t0 = since.get();
                if (t0 != 0) {
                    v.add((now - t0) / 1e6);
                }
            }
            double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
            return new double[] {P2pBench.pct(a, 50), P2pBench.pct(a, 99), java.util.Arrays.stream(a).max().orElse(0)};
        }

        @Override
        public void close() {
            stop = true;
        }
    }

    static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return -1;
    }

    static void run(int n, int seconds, int namespaceNodes) throws Exception {
        System.out.println("load average " + P2pBench.loadAverage() + " at the start");
        NioEventLoopGroup group = new NioEventLoopGroup(2);
        Random random = new Random(13);
        Recorder recorder = new Recorder();
        BenchNamespaces namespaces = namespaceNodes > 0 ? new BenchNamespaces(namespaceNodes) : null;
        // every in-JVM node is on this host, and they reach each other through any of its addresses
        // (identify and PX hand out all of them: loopback, eth0, the veth ends), so the connections
        // from 95 neighbours come from a few addresses: what an operator running many nodes on one
        // host does is allow-list the host's own addresses. Loopback alone left dials through the
        // other addresses refused by the per-address limit of 16 (a few per minute in every run).
        List<String> hostAddresses = new ArrayList<>();
        for (java.net.NetworkInterface ni : Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            for (java.net.InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof java.net.Inet4Address) {
                    hostAddresses.add(a.getHostAddress());
                }
            }
        }
        System.out.println("in-JVM nodes allow this host's addresses " + hostAddresses);
        Libp2pHost.Limits limits = Libp2pHost.Limits.defaults().withAccessLists(hostAddresses, List.of());
        // and from P6 (IP colocation), which exempts only loopback by default
        GossipsubConfig localGossip = GossipsubConfig.defaults().withScore(
                PeerScoreParams.defaults().withIpColocationWhitelist(java.util.Set.copyOf(hostAddresses)));
        List<Member> members = new ArrayList<>();
        LoopLag lag = new LoopLag(group);
        try {
            long heap0 = heapAfterGc();
            List<Local> locals = new ArrayList<>();
            for (int i = 0; i < n - namespaceNodes; i++) {
                // the wildcard, so that the namespace nodes reach them at the veth pairs' host ends
                Local l = new Local(new P2pNode(IdentityKey.generate(),
                        new P2pNode.Settings(Multiaddr.parse("/ip4/0.0.0.0/tcp/0"), List.of(), limits, Duration.ofSeconds(1)),
                        group, localGossip).start(), recorder);
                locals.add(l);
                members.add(l);
            }
            List<Remote> remotes = new ArrayList<>();
            for (int i = 0; i < namespaceNodes; i++) {
                Remote r = new Remote(i, namespaces.name(i), namespaces.hostSide(i), recorder);
                remotes.add(r);
                members.add(r);
            }
            Collections.shuffle(members, random);
            AtomicInteger dialFailures = new AtomicInteger();
            java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(8);
            for (Member m : members) {
                for (int k = 0; k < 8; k++) {
                    Member to = members.get(random.nextInt(members.size()));
                    if (to == m || (m.remote() && to.remote())) {
                        continue; // namespaces reach each other only through this host's nodes
                    }
                    if (m instanceof Remote r) {
                        r.send("DIAL " + ((Local) to).address(namespaces.hostSide(r.index)));
                        continue;
                    }
                    String address = to instanceof Remote r
                            ? "/ip4/" + namespaces.namespaceSide(r.index) + "/tcp/" + r.port + "/p2p/" + r.peerId
                            : ((Local) to).address("127.0.0.1");
                    // a few handshakes at a time: hundreds at once on 2 cores miss the 5 s upgrade deadline
                    inFlight.acquire();
                    ((Local) m).node.connect(address).toCompletableFuture().handle((v, e) -> {
                        inFlight.release();
                        if (e != null && dialFailures.incrementAndGet() <= 3) {
                            System.out.println("dial failed: " + e);
                        }
                        if (e != null && to.remote()) {
                            dial(((Local) m).node, address, 2); // a namespace node's JVM may still be warming up
                        }
                        return null;
                    });
                }
            }
            // meshes form over a few gossipsub heartbeats (a benchmark's wait, not a test's)
            Thread.sleep(15_000);
            GossipsubConfig cfg = locals.get(0).node.pubsub().config();
            int minConn = Integer.MAX_VALUE;
            int maxConn = 0;
            for (Local p : locals) {
                minConn = Math.min(minConn, p.node.host().connections().size());
                maxConn = Math.max(maxConn, p.node.host().connections().size());
            }
            System.out.printf(Locale.ROOT, "%d nodes: %d in this JVM (connections per node %d..%d), %d in their own network namespaces; %d dials failed%n",
                    n, locals.size(), minConn, maxConn, remotes.size(), dialFailures.get());
            // with their connections and meshes (the namespace nodes' JVMs are not in this heap)
            long heapLocals = heapAfterGc() - heap0;
            System.out.printf(Locale.ROOT, "%d in-JVM nodes, %d heap MiB for all after GC (%.0f KiB per node)%n", locals.size(),
                    heapLocals >> 20, heapLocals / 1024.0 / locals.size());
            for (Remote r : remotes) {
                long[] a = r.all();
                System.out.printf(Locale.ROOT, "namespace node %d (%s): %d connections, mesh degree %d, JVM heap %d MiB after GC, RSS %d MiB%n",
                        r.index, namespaces.namespaceSide(r.index), a[6], a[0], r.heapAfterGcBytes() >> 20, a[5] >> 10);
            }
            // the set-up (800 handshakes, the namespace JVMs' warm-up) leaves the loops a backlog: wait
            // until a task handed to them runs within 100 ms again (at most 60 s) and say how long
            long settle = System.nanoTime();
            double[] l = lag.takePercentiles();
            while (System.nanoTime() - settle < TimeUnit.SECONDS.toNanos(60)) {
                Thread.sleep(2000);
                l = lag.takePercentiles();
                if (l[2] < 100) {
                    break;
                }
            }
            System.out.printf(Locale.ROOT, "event loops settled after %.1f s more (a task waited at most %.1f ms in the last 2 s)%n",
                    (System.nanoTime() - settle) / 1e9, l[2]);
            phase("all " + n + " nodes", members, recorder, seconds, cfg, random, lag);

            // 20% leave at once, chosen among all nodes
            List<Member> leaving = new ArrayList<>(members);
            Collections.shuffle(leaving, random);
            leaving = new ArrayList<>(leaving.subList(0, n / 5));
            long t = System.nanoTime();
            // all at once, a thread each: a node's close waits up to 2 s for its go-aways to flush,
            // and a parallel stream on 2 cores ran those waits two at a time (20 nodes: ~20 s)
            closeAll(leaving);
            long leftRemote = leaving.stream().filter(Member::remote).count();
            System.out.printf(Locale.ROOT, "%d nodes left at once (%d of them namespace nodes; closing took %.1f s)%n", leaving.size(),
                    leftRemote, (System.nanoTime() - t) / 1e9);
            members.removeAll(leaving);
            // mesh repair: heartbeats until every remaining node has at least D_lo mesh peers again
            long repairStart = System.nanoTime();
            String repaired = "not within 30 s";
            while (System.nanoTime() - repairStart < TimeUnit.SECONDS.toNanos(30)) {
                int[] d = degrees(members, cfg);
                if (d[0] >= cfg.dLo()) {
                    repaired = String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - repairStart) / 1e9);
                    break;
                }
                Thread.sleep(200);
            }
            System.out.println("every remaining node back at D_lo or more mesh peers after " + repaired);
            phase("after 20% left (" + members.size() + " nodes)", members, recorder, seconds / 2, cfg, random, lag);
        } finally {
            lag.close();
            closeAll(members);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            if (namespaces != null) {
                namespaces.close();
            }
        }
        System.out.println("load average " + P2pBench.loadAverage() + " at the end");
    }

    static void closeAll(List<Member> members) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (Member m : members) {
            Thread th = new Thread(m::close, "close");
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join();
        }
    }

    /** @return min, max, and nodes within D_lo..D_hi */
    static int[] degrees(List<Member> members, GossipsubConfig cfg) throws Exception {
        int min = Integer.MAX_VALUE;
        int max = 0;
        int within = 0;
        for (Member m : members) {
            int d = (int) m.stats()[0];
            min = Math.min(min, d);
            max = Math.max(max, d);
            if (d >= cfg.dLo() && d <= cfg.dHi()) {
                within++;
            }
        }
        return new int[] {min, max, within};
    }

    static void phase(String name, List<Member> members, Recorder recorder, int seconds, GossipsubConfig cfg, Random random,
            LoopLag lag) throws Exception {
        int n = members.size();
        for (List<Double> l : recorder.latencies.values()) {
            l.clear();
        }
        long dup0 = 0;
        long first0 = 0;
        Map<Member, long[]> remote0 = new java.util.HashMap<>();
        for (Member m : members) {
            long[] c = m.stats();
            first0 += c[1];
            dup0 += c[2];
            if (m instanceof Remote r) {
                remote0.put(m, r.all());
            }
        }
        int localCount = (int) members.stream().filter(m -> !m.remote()).count();
        long[] sched0 = eventLoopSchedstat();
        lag.takePercentiles();
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        List<Sent> mine = new ArrayList<>();
        List<Sent> fromRemote = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        // node i publishes at start + i * period / n + k * period
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
            long key = ((long) k << 20) ^ random.nextInt(1 << 20) ^ ((long) name.hashCode() << 44);
            Sent s = new Sent(System.nanoTime());
            recorder.sent.put(key, s);
            mine.add(s);
            if (members.get(i).remote()) {
                fromRemote.add(s);
            }
            members.get(i).publish(key);
            k++;
        }
        Thread.sleep(3000); // stragglers (benchmark, not a test)
        double cpuSecs = (os.getProcessCpuTime() - cpu0) / 1e9;
        double wall = (System.nanoTime() - start) / 1e9;
        long[] sched = eventLoopSchedstat();
        double[] lagMs = lag.takePercentiles();
        long remoteRun = 0;
        long remoteWait = 0;
        long dup = -dup0;
        long first = -first0;
        double remoteCpu = 0;
        for (Member m : members) {
            long[] c = m.stats();
            first += c[1];
            dup += c[2];
            if (m instanceof Remote r) {
                long[] a = r.all();
                remoteCpu += (a[4] - remote0.get(m)[4]) / 1e9;
                remoteRun += a[7] - remote0.get(m)[7];
                remoteWait += a[8] - remote0.get(m)[8];
            }
        }
        List<Double> all = new ArrayList<>();
        List<Double> atRemote = new ArrayList<>();
        for (Map.Entry<Member, List<Double>> e : recorder.latencies.entrySet()) {
            synchronized (e.getValue()) {
                all.addAll(e.getValue());
                if (e.getKey().remote()) {
                    atRemote.addAll(e.getValue());
                }
            }
        }
        double[] lat = all.stream().mapToDouble(Double::doubleValue).toArray();
        double[] latRemote = atRemote.stream().mapToDouble(Double::doubleValue).toArray();
        List<Double> full = new ArrayList<>();
        int complete = 0;
        int completeFromRemote = 0;
        for (Sent s : mine) {
            if (s.receivers.get() >= n - 1) {
                complete++;
                full.add((s.lastNanos - s.at) / 1e6);
                if (fromRemote.contains(s)) {
                    completeFromRemote++;
                }
            }
        }
        double[] fullLat = full.stream().mapToDouble(Double::doubleValue).toArray();
        int[] d = degrees(members, cfg);
        int remoteCount = n - localCount;
        System.out.printf(Locale.ROOT,
                "%s: %d messages in %d s; delivery p50 %.1f ms p99 %.1f ms (at the %d namespace nodes: p50 %.1f p99 %.1f);"
                        + " reached all %d others: %d of %d (%d of %d published in namespaces), full propagation p50 %.1f ms p99 %.1f ms;"
                        + " duplicates per message %.2f (per delivery %.2f); mesh degree min %d max %d, %d of %d nodes within D_lo..D_hi (%d..%d);"
                        + " CPU %.2f%% of one core per in-JVM node, %.2f%% per namespace node (its own JVM)%n",
                name, mine.size(), seconds, P2pBench.pct(lat, 50), P2pBench.pct(lat, 99), remoteCount, P2pBench.pct(latRemote, 50),
                P2pBench.pct(latRemote, 99), n - 1, complete, mine.size(), completeFromRemote, fromRemote.size(),
                P2pBench.pct(fullLat, 50), P2pBench.pct(fullLat, 99), mine.isEmpty() ? 0.0 : dup / (double) mine.size(),
                first == 0 ? 0.0 : dup / (double) first, d[0], d[1], d[2], n, cfg.dLo(), cfg.dHi(), 100.0 * cpuSecs / wall / localCount,
                remoteCount == 0 ? 0.0 : 100.0 * remoteCpu / wall / remoteCount);
        // runnable but not running: the share of the loops' time the machine kept them off a CPU
        System.out.printf(Locale.ROOT,
                "  event loops of this JVM: ran %.1f s, waited %.1f s on the run queue (%.0f%% of their runnable time) in %.1f s;"
                        + " a task handed to a loop waited p50 %.1f ms p99 %.1f ms max %.1f ms;"
                        + " namespace nodes' loops: ran %.1f s, waited %.1f s on the run queue (%.0f%%)%n",
                (sched[0] - sched0[0]) / 1e9, (sched[1] - sched0[1]) / 1e9,
                100.0 * (sched[1] - sched0[1]) / Math.max(1, sched[0] - sched0[0] + sched[1] - sched0[1]), wall,
                lagMs[0], lagMs[1], lagMs[2], remoteRun / 1e9, remoteWait / 1e9,
                100.0 * remoteWait / Math.max(1, remoteRun + remoteWait));
    }

    static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * Network namespaces joined to this one by veth pairs, a /30 each, with a default route through
     * this host's end (so a namespace reaches every address of this host, not the other
     * namespaces). Needs root and iproute2. Deleted on close.
     */
    static final class BenchNamespaces implements AutoCloseable {
        private final List<String> names = new ArrayList<>();
        private final int subnet;

        BenchNamespaces(int count) throws IOException, InterruptedException {
            long pid = ProcessHandle.current().pid();
            this.subnet = 150 + (int) (pid % 40);
            try {
                for (int i = 0; i < count; i++) {
                    String ns = "hzscale-" + pid + "-" + i;
                    String host = "hzs" + (pid % 100000) + "v" + i;
                    String inside = host + "n";
                    run("ip", "netns", "add", ns);
                    names.add(ns);
                    run("ip", "link", "add", host, "type", "veth", "peer", "name", inside);
                    run("ip", "link", "set", inside, "netns", ns);
                    run("ip", "addr", "add", hostSide(i) + "/30", "dev", host);
                    run("ip", "link", "set", host, "up");
                    run("ip", "netns", "exec", ns, "ip", "addr", "add", namespaceSide(i) + "/30", "dev", inside);
                    run("ip", "netns", "exec", ns, "ip", "link", "set", inside, "up");
                    run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
                    run("ip", "netns", "exec", ns, "ip", "route", "add", "default", "via", hostSide(i));
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                close();
                throw e;
            }
        }

        String name(int i) {
            return names.get(i);
        }

        String hostSide(int i) {
            return "10." + subnet + "." + i + ".1";
        }

        String namespaceSide(int i) {
            return "10." + subnet + "." + i + ".2";
        }

        private static void run(String... cmd) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (network namespaces need iproute2 and root): " + out);
            }
        }

        @Override
        public void close() {
            for (String ns : names) {
                try {
                    run("ip", "netns", "del", ns);
                } catch (IOException | RuntimeException e) {
                    System.err.println(e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            names.clear();
        }
    }
}
