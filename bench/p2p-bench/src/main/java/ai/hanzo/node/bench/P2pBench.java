package ai.hanzo.node.bench;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.pubsub.GossipsubConfig;
import ai.hanzo.node.p2p.internal.transport.Connection;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import ai.hanzo.node.p2p.internal.transport.StreamHandler;
import ai.hanzo.node.p2p.internal.transport.YamuxStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Loopback benchmark: connection setup (TCP+Noise+Yamux), 1-byte echo over a yamux stream,
 * single-stream throughput and gossipsub delivery (1 KiB messages, 10 nodes), first Java-Java,
 * then the same with js-libp2p (js/bench.mjs) for comparison. Prints one table.
 */
public final class P2pBench {
    static final String ECHO = "/hanzo/bench/echo/1.0.0";
    static final String SINK = "/hanzo/bench/sink/1.0.0";
    static final int CHUNK = 64 * 1024;
    static final long ACK_EVERY = 8L << 20;

    private P2pBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--throughput-only")) {
            // child JVM: the cipher is chosen once per JVM, so a forced provider needs its own
            System.out.println(throughputOnlyRow());
            return;
        }
        if (args.length > 0 && args[0].equals("--gossip-only")) {
            // to compare gossipsub builds side by side without the other columns
            NioEventLoopGroup group = new NioEventLoopGroup(2);
            verifyThreads = Integer.getInteger("hanzo.bench.verifyThreads", GossipsubConfig.defaultVerifyThreads());
            try {
                warmUp(group);
                double[] gossip = gossip(group, 10, 2000, 0);
                // the nodes' own CPU per message (set-up included; not the publisher's spin-wait)
                // varies less with other load than msg/s
                double cpuMsPerMessage = lastNodeCpuNanos / 1e6 / 2000;
                System.out.printf("gossip p50 %.2f ms, p99 %.2f ms, %.0f msg/s, %.2f ms node CPU per message (event loops + verify threads)%n",
                        pct(Arrays.copyOf(gossip, gossip.length - 1), 50), pct(Arrays.copyOf(gossip, gossip.length - 1), 99),
                        gossip[gossip.length - 1], cpuMsPerMessage);
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
            return;
        }
        if (args.length > 0 && args[0].equals("--gossip")) {
            gossipTable(Path.of(args.length > 1 ? args[1] : "../../bundles/p2p/src/test/js").toAbsolutePath().normalize());
            return;
        }
        if (args.length > 0 && args[0].equals("--scale")) {
            ScaleBench.run(args.length > 1 ? Integer.parseInt(args[1]) : 100, args.length > 2 ? Integer.parseInt(args[2]) : 60,
                    args.length > 3 ? Integer.parseInt(args[3]) : 0);
            return;
        }
        if (args.length > 0 && args[0].equals("--ns-node")) {
            // child of --scale: one node in a network namespace, driven over stdin/stdout
            ScaleBench.nsNodeMain(args[1]);
            return;
        }
        Path jsDir = Path.of(args.length > 0 ? args[0] : "../../bundles/p2p/src/test/js").toAbsolutePath().normalize();
        NioEventLoopGroup group = new NioEventLoopGroup(2);
        List<String> rows = new ArrayList<>();
        try {
            P2pNode a = node(group);
            P2pNode b = node(group);
            register(b.host());
            Multiaddr bAddr = Multiaddr.parse(b.listenAddresses().get(0));
            double[] dial = dial(a.host(), bAddr.withoutPeerId(), 200);
            Connection c = a.host().dial(bAddr).get(10, TimeUnit.SECONDS);
            double[] echo = echo(a.host(), c, 2000);
            String mib = throughputRuns(a.host(), c);
            a.close();
            b.close();
            double[] gossip = gossip(group, 10, 2000, 0);
            double rate = gossip[gossip.length - 1];
            rows.add(row("java, " + noiseCipher(), dial, echo, mib, Arrays.copyOf(gossip, gossip.length - 1), rate));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        rows.add(runJavaWithJdkCipher());
        rows.add(runJs(jsDir));
        System.out.println();
        System.out.println("| stack | dial p50 ms | dial p99 ms | echo p50 ms | echo p99 ms | 1 stream MiB/s, median (min-max) of 3 | 1 stream CPU ns/byte | gossip p50 ms | gossip p99 ms | gossip msg/s |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }

    /** Messages at a fixed rate for the latency columns: 20 msg/s for 10 s, 200 msg/s for 5 s. */
    static final int[][] FIXED_RATES = {{20, 200}, {200, 1000}};

    /**
     * Gossip only, Java and js-libp2p in one run: saturation (as in the full table, plus the
     * event loops' CPU per message) and latency at fixed publish rates.
     */
    static void gossipTable(Path jsDir) throws Exception {
        String load0 = loadAverage();
        List<String> rows = new ArrayList<>();
        NioEventLoopGroup group = new NioEventLoopGroup(2);
        try {
            warmUp(group);
            // side by side: signatures checked on the router's event loop (the old way), then on
            // the nodes' verification threads (the default)
            // -Dhanzo.bench.threadsFirst: the other order, as the JIT may still be compiling
            // during the first row on a loaded machine
            int[] order = Boolean.getBoolean("hanzo.bench.threadsFirst")
                    ? new int[] {GossipsubConfig.defaultVerifyThreads(), 0}
                    : new int[] {0, GossipsubConfig.defaultVerifyThreads()};
            for (int threads : order) {
                verifyThreads = threads;
                double[] sat = gossip(group, 10, 2000, 0);
                double cpuMs = lastNodeCpuNanos / 1e6 / 2000;
                double[] satLat = Arrays.copyOf(sat, sat.length - 1);
                String name = threads == 0 ? "java, checks on the loops" : "java, " + threads + " verify thread(s) per node";
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.2f | %.2f",
                        name, sat[sat.length - 1], pct(satLat, 50), pct(satLat, 99), cpuMs));
                for (int[] fr : FIXED_RATES) {
                    double[] g = gossip(group, 10, fr[1], fr[0]);
                    double[] lat = Arrays.copyOf(g, g.length - 1);
                    row.append(String.format(Locale.ROOT, " | %.2f | %.2f | %.0f", pct(lat, 50), pct(lat, 99), g[g.length - 1]));
                }
                rows.add(row.append(" |").toString());
                System.out.println(rows.get(rows.size() - 1));
            }
        } finally {
            verifyThreads = GossipsubConfig.defaultVerifyThreads();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        rows.add(runJs(jsDir, "gossip"));
        System.out.println();
        System.out.println("load average " + load0 + " at the start, " + loadAverage() + " at the end");
        System.out.println();
        System.out.println("| stack | saturation msg/s | p50 ms | p99 ms | node CPU ms/msg (loops + verify threads) | 20 msg/s p50 ms | p99 ms | delivered msg/s | 200 msg/s p50 ms | p99 ms | delivered msg/s |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
    }

    static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "(unknown)";
        }
    }

    /**
     * One uncounted saturation run first: a 2000-message run lasts 3-5 s, and without it the C2
     * compiler took about 30% of a core during the measured phase, on a machine of 2 cores.
     * One run is too short for C2 to finish on a loaded machine: {@code -Dhanzo.bench.warmupRuns=N}
     * runs N (default 1). bench.mjs warms js-libp2p up the same way, with as many runs
     * (WARMUP_RUNS in its environment, which the runner passes on).
     */
    static void warmUp(NioEventLoopGroup group) throws Exception {
        warmingUp = true;
        try {
            for (int i = 0; i < WARMUP_RUNS; i++) {
                gossip(group, 10, 2000, 0);
            }
        } finally {
            warmingUp = false;
        }
    }

    /** CPU time of the nodes' threads in the last {@link #gossip} run, set-up included. */
    static volatile long lastNodeCpuNanos;

    static final int WARMUP_RUNS = Integer.getInteger("hanzo.bench.warmupRuns", 1);

    /** Set during {@link #warmUp}: its saturation phase prints nothing. */
    static volatile boolean warmingUp;

    /**
     * Signature-check threads per node for the nodes made from now on ({@code
     * GossipsubConfig.verifyThreads}); the node's default unless a row sets it.
     */
    static volatile int verifyThreads = GossipsubConfig.defaultVerifyThreads();

    /** @return CPU time used so far by the Netty event-loop threads, where the nodes do their work */
    static long eventLoopCpuNanos() {
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            // the nodes' work: their event loops and their signature-check threads
            if (t != null && (t.getThreadName().startsWith("nioEventLoopGroup") || t.getThreadName().startsWith("gossipsub-verify"))) {
                sum += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
            }
        }
        return sum;
    }

    /** @return the ChaCha20-Poly1305 implementation the p2p stack chose in this JVM (private API) */
    static String noiseCipher() {
        try {
            Class<?> c = Class.forName("ai.hanzo.node.p2p.internal.transport.ChaChaPoly");
            Method get = c.getDeclaredMethod("get");
            get.setAccessible(true);
            Method name = c.getDeclaredMethod("name");
            name.setAccessible(true);
            return (String) name.invoke(get.invoke(null));
        } catch (ReflectiveOperationException e) {
            return "JDK ChaCha20-Poly1305 (a stack without the provider choice)";
        }
    }

    /** @return the throughput-only row of this JVM */
    static String throughputOnlyRow() throws Exception {
        NioEventLoopGroup group = new NioEventLoopGroup(2);
        try {
            P2pNode a = node(group);
            P2pNode b = node(group);
            register(b.host());
            Connection c = a.host().dial(Multiaddr.parse(b.listenAddresses().get(0))).get(10, TimeUnit.SECONDS);
            String mib = throughputRuns(a.host(), c);
            a.close();
            b.close();
            return "| java, " + noiseCipher() + ", forced | - | - | - | - | " + mib + " | - | - | - |";
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Runs {@link #throughputOnlyRow()} in a child JVM with -Dhanzo.p2p.noise.provider=jdk. */
    static String runJavaWithJdkCipher() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dhanzo.p2p.noise.provider=jdk", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), P2pBench.class.getName(), "--throughput-only")
                .redirectErrorStream(true).start();
        String row = "| java, JDK cipher forced | (failed) | | | | | | | | |";
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("| java")) {
                    row = line;
                } else {
                    System.out.println("java (jdk cipher): " + line);
                }
            }
        }
        p.waitFor(5, TimeUnit.MINUTES);
        return row;
    }

    /**
     * @return median (min-max) MiB/s of three 512 MiB runs after a 512 MiB warm-up (JIT), and the
     *     process CPU time per byte over the three runs (both nodes, all threads: less sensitive
     *     than MiB/s to other load on the machine)
     */
    static String throughputRuns(Libp2pHost host, Connection c) throws Exception {
        throughput(host, c, 512L << 20);
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        double[] runs = new double[3];
        for (int i = 0; i < runs.length; i++) {
            runs[i] = throughput(host, c, 512L << 20);
        }
        double nsPerByte = (os.getProcessCpuTime() - cpu0) / (3.0 * (512L << 20));
        Arrays.sort(runs);
        return String.format(Locale.ROOT, "%.0f (%.0f-%.0f) | %.2f", runs[1], runs[0], runs[2], nsPerByte);
    }

    static String row(String name, double[] dial, double[] echo, String mib, double[] gossip, double rate) {
        return String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.3f | %.3f | %s | %.2f | %.2f | %.0f |", name,
                pct(dial, 50), pct(dial, 99), pct(echo, 50), pct(echo, 99), mib, pct(gossip, 50), pct(gossip, 99), rate);
    }

    static P2pNode node(NioEventLoopGroup group) {
        return new P2pNode(IdentityKey.generate(), new P2pNode.Settings(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"), List.of(),
                Libp2pHost.Limits.defaults(), Duration.ofMillis(700)), group,
                GossipsubConfig.defaults().withVerifyThreads(verifyThreads)).start();
    }

    static double pct(double[] v, int p) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
    }

    static void register(Libp2pHost host) {
        host.handle(ECHO, () -> new StreamHandler() {
            @Override
            public void onData(YamuxStream stream, ByteBuf in) {
                stream.write(in.readBytes(in.readableBytes()));
            }
        });
        host.handle(SINK, () -> new StreamHandler() {
            long received;

            @Override
            public void onData(YamuxStream stream, ByteBuf in) {
                long before = received / ACK_EVERY;
                received += in.readableBytes();
                in.skipBytes(in.readableBytes());
                long acks = received / ACK_EVERY - before;
                if (acks > 0) {
                    stream.write(Unpooled.wrappedBuffer(new byte[(int) acks]));
                }
            }
        });
    }

    /** @return milliseconds from dial to an upgraded connection, per dial */
    static double[] dial(Libp2pHost host, Multiaddr target, int n) throws Exception {
        double[] out = new double[n];
        for (int i = 0; i < n + 20; i++) {
            long t = System.nanoTime();
            Connection c = host.dial(target).get(10, TimeUnit.SECONDS);
            double ms = (System.nanoTime() - t) / 1e6;
            if (i >= 20) {
                out[i - 20] = ms;
            }
            c.session().goAwayAndClose();
            c.session().channel().closeFuture().await(5, TimeUnit.SECONDS);
        }
        return out;
    }

    /** @return milliseconds per 1-byte round trip over one stream */
    static double[] echo(Libp2pHost host, Connection c, int n) throws Exception {
        double[] out = new double[n];
        CompletableFuture<?>[] pending = new CompletableFuture<?>[1];
        YamuxStream s = host.newStream(c, List.of(ECHO), new StreamHandler() {
            @Override
            public void onData(YamuxStream stream, ByteBuf in) {
                if (in.isReadable()) {
                    in.skipBytes(in.readableBytes());
                    pending[0].complete(null);
                }
            }
        }).get(10, TimeUnit.SECONDS);
        for (int i = 0; i < n + 200; i++) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            pending[0] = f;
            long t = System.nanoTime();
            s.write(Unpooled.wrappedBuffer(new byte[] {1}));
            f.get(10, TimeUnit.SECONDS);
            if (i >= 200) {
                out[i - 200] = (System.nanoTime() - t) / 1e6;
            }
        }
        s.closeWrite();
        return out;
    }

    /** @return MiB/s pushed through one stream, acknowledged by the receiver */
    static double throughput(Libp2pHost host, Connection c, long total) throws Exception {
        AtomicLong acked = new AtomicLong();
        CompletableFuture<Void> done = new CompletableFuture<>();
        Object lock = new Object();
        YamuxStream s = host.newStream(c, List.of(SINK), new StreamHandler() {
            @Override
            public void onData(YamuxStream stream, ByteBuf in) {
                int n = in.readableBytes();
                in.skipBytes(n);
                if (acked.addAndGet(n * ACK_EVERY) >= total) {
                    done.complete(null);
                }
                synchronized (lock) {
                    lock.notifyAll();
                }
            }
        }).get(10, TimeUnit.SECONDS);
        byte[] chunk = new byte[CHUNK];
        long t = System.nanoTime();
        long sent = 0;
        while (sent < total) {
            // keep at most four acknowledgement periods in flight
            synchronized (lock) {
                while (sent - acked.get() >= 4 * ACK_EVERY) {
                    lock.wait(1000);
                }
            }
            for (int i = 0; i < ACK_EVERY / CHUNK && sent < total; i++) {
                s.write(Unpooled.wrappedBuffer(chunk));
                sent += CHUNK;
            }
        }
        done.get(60, TimeUnit.SECONDS);
        double secs = (System.nanoTime() - t) / 1e9;
        s.closeWrite();
        return total / (1024.0 * 1024.0) / secs;
    }

    /**
     * @return per-delivery latencies in ms (receiver clock = sender clock, one JVM), with the
     *     delivered messages per second appended as the last element
     */
    static double[] gossip(NioEventLoopGroup group, int nodes, int messages, int perSecond) throws Exception {
        long cpu0 = eventLoopCpuNanos();
        List<P2pNode> all = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            all.add(node(group));
        }
        for (int i = 0; i < nodes; i++) {
            // a ring plus chords: every node has 4 neighbours
            all.get(i).connect(all.get((i + 1) % nodes).listenAddresses().get(0)).toCompletableFuture().get(10, TimeUnit.SECONDS);
            all.get(i).connect(all.get((i + 3) % nodes).listenAddresses().get(0)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        int receivers = nodes - 1;
        double[] lat = new double[messages * receivers + 1];
        AtomicLong count = new AtomicLong();
        List<Subscription> subs = new ArrayList<>();
        for (P2pNode n : all) {
            subs.add(n.subscribe("bench", m -> {
                long sentAt = ByteBuffer.wrap(m.data()).getLong();
                int idx = (int) count.getAndIncrement();
                if (idx < lat.length - 1) {
                    lat[idx] = (System.nanoTime() - sentAt) / 1e6;
                }
            }));
        }
        P2pNode pub = all.get(0);
        // meshes form within a few heartbeats; wait until every node is reachable
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            long before = count.get();
            pub.publish("bench", payload()).toCompletableFuture().handle((v, e) -> null).get(10, TimeUnit.SECONDS);
            long waitUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (count.get() < before + receivers && System.nanoTime() < waitUntil) {
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
            if (count.get() >= before + receivers && pub.pubsub().meshPeers("bench").get().size() >= 2) {
                break;
            }
        }
        Thread.sleep(1500); // let warm-up deliveries drain before counting (benchmark, not a test)
        count.set(0);
        Map<String, long[]> sched0 = threadSchedstat();
        long t = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            if (perSecond > 0) {
                // fixed rate: message i is due at t + i / rate
                long due = t + i * 1_000_000_000L / perSecond;
                long left;
                while ((left = due - System.nanoTime()) > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(left);
                }
            } else {
                // saturation: at most 50 messages ahead of full delivery
                // parked, not spinning: on 2 cores a spinning publisher takes a core from the nodes
                while ((long) i * receivers - count.get() > 50L * receivers && System.nanoTime() - t < TimeUnit.SECONDS.toNanos(60)) {
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                }
            }
            pub.publish("bench", payload());
        }
        while (count.get() < (long) messages * receivers && System.nanoTime() - t < TimeUnit.SECONDS.toNanos(60)) {
            Thread.sleep(5);
        }
        double secs = (System.nanoTime() - t) / 1e9;
        if (perSecond == 0 && !warmingUp) {
            printThreads(sched0, threadSchedstat(), secs);
            printRouterLoops(group, all);
        }
        int got = (int) Math.min(count.get(), (long) messages * receivers);
        double[] out = Arrays.copyOf(lat, got + 1);
        out[got] = got / (double) receivers / secs;
        subs.forEach(Subscription::close);
        // before the close, which ends the nodes' verification threads
        lastNodeCpuNanos = eventLoopCpuNanos() - cpu0;
        all.forEach(P2pNode::close);
        return out;
    }

    /**
     * Every thread of this process: name -> {ns on a CPU, ns runnable but waiting for a CPU}, from
     * /proc/self/task/N/schedstat (the kernel's run-queue delay).
     */
    static Map<String, long[]> threadSchedstat() throws java.io.IOException {
        Map<String, long[]> out = new java.util.TreeMap<>();
        try (var tasks = java.nio.file.Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = java.nio.file.Files.readString(task.resolve("comm")).trim() + "#" + task.getFileName();
                    String[] f = java.nio.file.Files.readString(task.resolve("schedstat")).trim().split(" ");
                    out.put(name, new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
                } catch (java.io.IOException e) {
                    // the thread ended meanwhile
                }
            }
        }
        return out;
    }

    /** Prints the threads that ran or waited for at least 1% of the phase, and the process total. */
    static void printThreads(Map<String, long[]> before, Map<String, long[]> after, double secs) {
        long runAll = 0;
        long waitAll = 0;
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            long run = e.getValue()[0] - b[0];
            long wait = e.getValue()[1] - b[1];
            runAll += run;
            waitAll += wait;
            if (run + wait > secs * 1e7) {
                lines.add(String.format(Locale.ROOT, "  %-28s on a CPU %5.1f%% of the phase, runnable but waiting %5.1f%%",
                        e.getKey(), run / (secs * 1e7), wait / (secs * 1e7)));
            }
        }
        System.out.printf(Locale.ROOT, "saturation phase %.2f s: all threads on a CPU %.2f cores, waiting for one %.2f%n",
                secs, runAll / (secs * 1e9), waitAll / (secs * 1e9));
        lines.forEach(System.out::println);
    }

    /** Prints which event loop each node's gossipsub router runs on (private field, diagnostics). */
    static void printRouterLoops(NioEventLoopGroup group, List<P2pNode> nodes) {
        List<io.netty.util.concurrent.EventExecutor> loops = new ArrayList<>();
        group.forEach(loops::add);
        StringBuilder sb = new StringBuilder("gossipsub router loop per node:");
        for (P2pNode n : nodes) {
            try {
                Object router = n.pubsub();
                java.lang.reflect.Field f = router.getClass().getDeclaredField("loop");
                f.setAccessible(true);
                sb.append(' ').append(loops.indexOf(f.get(router)));
            } catch (ReflectiveOperationException | RuntimeException e) {
                sb.append(" ?");
            }
        }
        System.out.println(sb);
    }

    static byte[] payload() {
        byte[] b = new byte[1024];
        ByteBuffer.wrap(b).putLong(System.nanoTime());
        return b;
    }

    static String runJs(Path jsDir) throws Exception {
        return runJs(jsDir, "all");
    }

    static String runJs(Path jsDir, String mode) throws Exception {
        // ES modules resolve packages next to the script: run a copy inside the harness directory
        Path script = jsDir.resolve(".p2p-bench.mjs");
        java.nio.file.Files.copy(Path.of("js/bench.mjs"), script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        script.toFile().deleteOnExit();
        ProcessBuilder pb = new ProcessBuilder("node", "--import", "./polyfill.mjs", script.getFileName().toString(), mode)
                .directory(jsDir.toFile()).redirectErrorStream(true);
        pb.environment().put("WARMUP_RUNS", Integer.toString(WARMUP_RUNS));
        Process p = pb.start();
        String last = "| js-libp2p | (failed) |";
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("| js-libp2p")) {
                    last = line;
                } else {
                    System.out.println("js: " + line);
                }
            }
        }
        p.waitFor(5, TimeUnit.MINUTES);
        return last;
    }
}
