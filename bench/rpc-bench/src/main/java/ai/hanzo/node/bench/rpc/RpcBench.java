package ai.hanzo.node.bench.rpc;

import ai.hanzo.node.proto.v1.ComposeSpec;
import ai.hanzo.node.proto.v1.DeployRequest;
import ai.hanzo.node.proto.v1.DeployResponse;
import ai.hanzo.node.proto.v1.DeploymentOptions;
import ai.hanzo.node.proto.v1.DeploymentStatus;
import ai.hanzo.node.proto.v1.GetHealthRequest;
import ai.hanzo.node.proto.v1.GetHealthResponse;
import ai.hanzo.node.proto.v1.GetLogsRequest;
import ai.hanzo.node.proto.v1.GetStatusRequest;
import ai.hanzo.node.proto.v1.GetStatusResponse;
import ai.hanzo.node.proto.v1.LogEntry;
import ai.hanzo.node.proto.v1.NodeMetrics;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import ai.hanzo.node.proto.v1.RemoveRequest;
import ai.hanzo.node.proto.v1.ServiceSpec;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * gRPC benchmark, in one run:
 *
 * <ol>
 *   <li>unary GetHealth and GetStatus, 1 and 8 concurrent callers on one channel, fixed duration
 *       each: the running node (Karaf, OSGi, auth with {@code x-api-key}) against a bare grpc-java
 *       server in this JVM answering the same RPCs the way the node's handler does (from cached
 *       values, building a new message per call; values copied once from the node's answers), no
 *       OSGi and no auth;
 *   <li>GetLogs follow: lines/s of a process-runtime service writing lines as fast as it can, then
 *       the node's RSS while a client reads 10x slower than a steady producer writes.
 * </ol>
 *
 * <p>Usage: {@code RpcBench <host:port> <admin.key file> <seconds per phase> <node pid>}
 */
public final class RpcBench {
    private static final int FAST_LINES = Integer.getInteger("rpcbench.fastLines", 300_000);
    private static final int BATCHED_LINES = 512; // as bin/hanzo-node logs asks
    private static final int PINGS = 5;
    private static final int SLOW_BATCH = 2000; // lines per 100 ms: ~20k lines/s nominal
    private static final int SLOW_READ_PER_SECOND = 2000;

    record Result(
            String name,
            long calls,
            double perSecond,
            double p50Ms,
            double p99Ms,
            double elapsedSeconds,
            long[] latencies) {}

    private final String target;
    private final String apiKey;
    private final int seconds;
    private final long nodePid;

    private RpcBench(String target, String apiKey, int seconds, long nodePid) {
        this.target = target;
        this.apiKey = apiKey;
        this.seconds = seconds;
        this.nodePid = nodePid;
    }

    public static void main(String[] args) throws Exception {
        String key = Files.readString(Path.of(args[1])).trim();
        new RpcBench(args[0], key, Integer.parseInt(args[2]), Long.parseLong(args[3])).run();
    }

    private ManagedChannel channel(String address) {
        return NettyChannelBuilder.forTarget(address).usePlaintext().build();
    }

    private NodeServiceGrpc.NodeServiceBlockingStub nodeStub(ManagedChannel channel) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), apiKey);
        return NodeServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private void run() throws Exception {
        ManagedChannel nodeChannel = channel(target);
        NodeServiceGrpc.NodeServiceBlockingStub node = nodeStub(nodeChannel);
        GetHealthResponse healthSample = node.getHealth(GetHealthRequest.getDefaultInstance());
        GetStatusResponse statusSample = node.getStatus(GetStatusRequest.getDefaultInstance());
        // the bare server runs in a JVM of its own with the node's JVM flags (bench-rpc.sh starts
        // it); without rpcbench.bare it runs here, in the client's JVM, as it first did
        String bareAddress = System.getProperty("rpcbench.bare", "");
        Server bare = null;
        if (bareAddress.isBlank()) {
            bare =
                    NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                            .addService(new BareNodeService(healthSample, statusSample))
                            .build()
                            .start();
            bareAddress = "127.0.0.1:" + bare.getPort() + " (in the client's JVM)";
        }
        ManagedChannel bareChannel = channel(bareAddress.split(" ")[0]);
        NodeServiceGrpc.NodeServiceBlockingStub bareStub =
                NodeServiceGrpc.newBlockingStub(bareChannel);
        System.out.printf(
                Locale.ROOT,
                "node %s (pid %d), bare server %s, %d s per phase, load %s%n",
                target,
                nodePid,
                bareAddress,
                seconds,
                loadAverage());
        try {
            if (!Boolean.getBoolean("rpcbench.logsOnly")) {
                unary(node, bareStub);
            }
            if (!Boolean.getBoolean("rpcbench.unaryOnly")) {
                logs(node, nodeChannel, bareChannel);
            }
        } finally {
            nodeChannel.shutdownNow();
            bareChannel.shutdownNow();
            if (bare != null) {
                bare.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    // ---- part 1: unary -------------------------------------------------------------------

    private void unary(
            NodeServiceGrpc.NodeServiceBlockingStub node,
            NodeServiceGrpc.NodeServiceBlockingStub bare)
            throws InterruptedException {
        GetHealthRequest health = GetHealthRequest.getDefaultInstance();
        GetStatusRequest status = GetStatusRequest.getDefaultInstance();
        // Warm both servers' and the client's JIT before anything is counted, with 8 callers
        // and with 1 (rpcbench.warmupSeconds each; the node's JVM has far more to compile)
        int warmup = Integer.getInteger("rpcbench.warmupSeconds", seconds);
        for (int callers : new int[] {8, 1}) {
            measure("warm-up node", callers, warmup, () -> node.getHealth(health));
            measure("warm-up node", callers, warmup, () -> node.getStatus(status));
            measure("warm-up bare", callers, warmup, () -> bare.getHealth(health));
            measure("warm-up bare", callers, warmup, () -> bare.getStatus(status));
        }
        List<Result[]> pairs = new ArrayList<>();
        // rpcbench.statusFirst=true measures GetStatus before GetHealth, to tell the order's
        // (warm-up's) share from the RPC's
        List<String> rpcs =
                Boolean.getBoolean("rpcbench.statusFirst")
                        ? List.of("GetStatus", "GetHealth")
                        : List.of("GetHealth", "GetStatus");
        for (String rpc : rpcs) {
            for (int callers : new int[] {1, 8}) {
                Runnable onNode =
                        rpc.equals("GetHealth")
                                ? () -> node.getHealth(health)
                                : () -> node.getStatus(status);
                Runnable onBare =
                        rpc.equals("GetHealth")
                                ? () -> bare.getHealth(health)
                                : () -> bare.getStatus(status);
                String label = rpc + ", " + callers + " caller" + (callers > 1 ? "s" : "");
                // node and bare alternate in short rounds, so a change of the machine's load
                // during the phase weighs on both alike
                List<Result> nodeRounds = new ArrayList<>();
                List<Result> bareRounds = new ArrayList<>();
                for (int round = 0; round < ROUNDS; round++) {
                    nodeRounds.add(measure("node " + label, callers, roundSeconds(), onNode));
                    bareRounds.add(measure("bare " + label, callers, roundSeconds(), onBare));
                }
                pairs.add(
                        new Result[] {
                            combine("node " + label, nodeRounds),
                            combine("bare " + label, bareRounds)
                        });
            }
        }
        System.out.println();
        System.out.println("| phase | target | calls/s | p50 ms | p99 ms |");
        System.out.println("|---|---|---|---|---|");
        for (Result[] pair : pairs) {
            for (Result r : pair) {
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %s | %.0f | %.3f | %.3f |%n",
                        r.name().substring(5),
                        r.name().substring(0, 4),
                        r.perSecond(),
                        r.p50Ms(),
                        r.p99Ms());
            }
        }
        System.out.println();
        System.out.println(
                "| phase | node / bare throughput | overhead (1 - ratio) | p50 node / bare | p99 node"
                        + " / bare |");
        System.out.println("|---|---|---|---|---|");
        for (Result[] pair : pairs) {
            double ratio = pair[0].perSecond() / pair[1].perSecond();
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.2fx | %.0f%% | %.2fx | %.2fx |%n",
                    pair[0].name().substring(5),
                    ratio,
                    (1 - ratio) * 100,
                    pair[0].p50Ms() / pair[1].p50Ms(),
                    pair[0].p99Ms() / pair[1].p99Ms());
        }
        System.out.printf(Locale.ROOT, "load average after the unary phases: %s%n", loadAverage());
    }

    private static final int ROUNDS = 3;

    private int roundSeconds() {
        return Math.max(1, (seconds + ROUNDS - 1) / ROUNDS);
    }

    private static Result combine(String name, List<Result> rounds) {
        long calls = rounds.stream().mapToLong(Result::calls).sum();
        double elapsed = rounds.stream().mapToDouble(Result::elapsedSeconds).sum();
        long[] all =
                rounds.stream().flatMapToLong(r -> Arrays.stream(r.latencies())).sorted().toArray();
        return new Result(
                name,
                calls,
                calls / elapsed,
                percentile(all, 0.50),
                percentile(all, 0.99),
                elapsed,
                all);
    }

    private Result measure(String name, int callers, int phaseSeconds, Runnable call)
            throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(phaseSeconds);
        List<long[]> samples = new ArrayList<>();
        AtomicLong calls = new AtomicLong();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(callers);
        long start = System.nanoTime();
        for (int i = 0; i < callers; i++) {
            long[] latencies = new long[1_000_000];
            samples.add(latencies);
            int slot = i;
            Thread t =
                    new Thread(
                            () -> {
                                int n = 0;
                                try {
                                    while (System.nanoTime() < end && n < latencies.length) {
                                        long t0 = System.nanoTime();
                                        call.run();
                                        latencies[n++] = System.nanoTime() - t0;
                                    }
                                } catch (RuntimeException e) {
                                    failure.compareAndSet(null, e);
                                } finally {
                                    samples.set(slot, Arrays.copyOf(latencies, n));
                                    calls.addAndGet(n);
                                    done.countDown();
                                }
                            },
                            "caller-" + i);
            t.start();
        }
        done.await();
        double elapsed = (System.nanoTime() - start) / 1e9;
        if (failure.get() != null) {
            throw new IllegalStateException(name + " failed", failure.get());
        }
        long[] all = samples.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        Result r =
                new Result(
                        name,
                        calls.get(),
                        calls.get() / elapsed,
                        percentile(all, 0.50),
                        percentile(all, 0.99),
                        elapsed,
                        all);
        System.out.printf(
                Locale.ROOT,
                "%-36s %9d calls %9.0f/s p50 %7.3f ms p99 %7.3f ms%n",
                name,
                r.calls(),
                r.perSecond(),
                r.p50Ms(),
                r.p99Ms());
        return r;
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))] / 1e6;
    }

    /**
     * Answers GetHealth and GetStatus as the node's handler does, without OSGi and auth: every call
     * builds a new message from values read once (the node reads its cached health, capabilities,
     * lifecycle and metrics; the uptime is computed per call). Like the node, GetStatus maps the
     * metrics sample's numbers into a new {@code NodeMetrics} per call and adds the already-built
     * deployment entries (the node keeps its deployment list as built messages).
     */
    static final class BareNodeService extends NodeServiceGrpc.NodeServiceImplBase {
        private final GetHealthResponse.Builder health;
        private final double[] sample;
        private final int activeContainers;
        private final List<DeploymentStatus> deployments;
        private final Instant started;
        private final ai.hanzo.node.proto.v1.NodeState state;

        BareNodeService(GetHealthResponse health, GetStatusResponse status) {
            this.health = health.toBuilder();
            NodeMetrics m = status.getMetrics();
            this.sample =
                    new double[] {
                        m.getCpuUsage(),
                        m.getMemoryUsage(),
                        m.getDiskUsage(),
                        m.getNetworkRxBytes(),
                        m.getNetworkTxBytes()
                    };
            this.activeContainers = m.getActiveContainers();
            this.deployments = List.copyOf(status.getDeploymentsList());
            this.state = status.getState();
            this.started = Instant.now().minusSeconds(status.getUptimeSeconds());
        }

        @Override
        public void getHealth(
                GetHealthRequest request, StreamObserver<GetHealthResponse> response) {
            response.onNext(
                    GetHealthResponse.newBuilder()
                            .setStatus(health.getStatus())
                            .setVersion(health.getVersion())
                            .setMlxEnabled(health.getMlxEnabled())
                            .addAllModels(health.getModelsList())
                            .setConsensus(health.getConsensus())
                            .build());
            response.onCompleted();
        }

        @Override
        public void getLogs(GetLogsRequest request, StreamObserver<LogEntry> response) {
            bareLogs(request, response);
        }

        @Override
        public void getStatus(
                GetStatusRequest request, StreamObserver<GetStatusResponse> response) {
            response.onNext(
                    GetStatusResponse.newBuilder()
                            .setState(state)
                            .setUptimeSeconds(
                                    Math.max(
                                            0,
                                            Duration.between(started, Instant.now()).toSeconds()))
                            .setMetrics(
                                    NodeMetrics.newBuilder()
                                            .setCpuUsage(sample[0])
                                            .setMemoryUsage(sample[1])
                                            .setDiskUsage(sample[2])
                                            .setNetworkRxBytes(sample[3])
                                            .setNetworkTxBytes(sample[4])
                                            .setActiveContainers(activeContainers))
                            .addAllDeployments(deployments)
                            .build());
            response.onCompleted();
        }
    }

    /**
     * The ceiling of GetLogs on this machine with the contract's shape (one {@code LogEntry} per
     * line): sends {@code tail} entries like the node's ({@code "line"}, service, container id,
     * stream, timestamp) as fast as the client reads, honouring isReady, from memory (no files).
     */
    static void bareLogs(GetLogsRequest request, StreamObserver<LogEntry> response) {
        ServerCallStreamObserver<LogEntry> call = (ServerCallStreamObserver<LogEntry>) response;
        int total = request.getTail();
        int perMessage = Math.max(1, request.getMaxLinesPerMessage());
        int[] sent = {0};
        boolean[] done = {false};
        call.setOnCancelHandler(() -> {});
        call.setOnReadyHandler(
                () -> {
                    synchronized (sent) {
                        while (!done[0] && call.isReady() && sent[0] < total) {
                            int count = Math.min(perMessage, total - sent[0]);
                            LogEntry.Builder message = entry().toBuilder();
                            for (int i = 1; i < count; i++) {
                                message.addMore(entry());
                            }
                            call.onNext(message.build());
                            sent[0] += count;
                        }
                        if (!done[0] && sent[0] == total) {
                            done[0] = true;
                            call.onCompleted();
                        }
                    }
                });
    }

    private static LogEntry entry() {
        return LogEntry.newBuilder()
                .setTimestamp(System.currentTimeMillis() / 1000)
                .setService("gen")
                .setContainerId("0123456789abcdef")
                .setStream("stdout")
                .setMessage("line")
                .build();
    }

    // ---- part 2: GetLogs follow ----------------------------------------------------------

    private void logs(
            NodeServiceGrpc.NodeServiceBlockingStub node,
            ManagedChannel channel,
            ManagedChannel bareChannel)
            throws Exception {
        // one LogEntry per message (what the Rust node's clients ask), then up to
        // BATCHED_LINES per message (what bin/hanzo-node logs asks), each on a fresh service
        for (int perMessage : List.of(0, BATCHED_LINES)) {
            fastFollow(node, channel, perMessage);
        }
        bareCeiling(bareChannel, 0);
        bareCeiling(bareChannel, BATCHED_LINES);
        slowReader(node, channel);
    }

    private void fastFollow(
            NodeServiceGrpc.NodeServiceBlockingStub node, ManagedChannel channel, int perMessage)
            throws Exception {
        System.out.println();
        String mode =
                perMessage > 1 ? "max_lines_per_message " + perMessage : "one LogEntry per message";
        String fast = "rpcbench-fast-" + perMessage + "-" + ProcessHandle.current().pid();
        Path pings = Files.createTempDirectory("rpcbench-pings");
        // sleep first so that the follow is open before the first line is written; then single
        // lines, each when the bench creates its file, for the latency of a lone new line
        deploy(
                node,
                fast,
                "sleep 3; yes line | head -n "
                        + FAST_LINES
                        + "; i=1; while [ $i -le "
                        + PINGS
                        + " ]; do while [ ! -e "
                        + pings
                        + "/go-$i ]; do sleep 0.005; done; echo ping-$i; i=$((i+1)); done;"
                        + " exec sleep 600");
        try {
            awaitRunning(node, fast);
            double rssBefore = rssMb(nodePid);
            long opened = System.nanoTime();
            NodeServiceGrpc.NodeServiceStub async =
                    NodeServiceGrpc.newStub(channel).withInterceptors(authInterceptor());
            AtomicLong lines = new AtomicLong();
            AtomicLong messages = new AtomicLong();
            AtomicLong firstNanos = new AtomicLong();
            AtomicLong lastNanos = new AtomicLong();
            CountDownLatch all = new CountDownLatch(1);
            java.util.concurrent.BlockingQueue<Long> pingArrivals =
                    new java.util.concurrent.LinkedBlockingQueue<>();
            AtomicReference<Throwable> error = new AtomicReference<>();
            AtomicReference<ClientCallStreamObserver<GetLogsRequest>> call =
                    new AtomicReference<>();
            Consumer<LogEntry> line =
                    entry -> {
                        if (entry.getMessage().startsWith("ping-")) {
                            pingArrivals.add(System.nanoTime());
                            return;
                        }
                        if (!entry.getMessage().equals("line")) {
                            return; // a marker collected after the follow opened
                        }
                        long now = System.nanoTime();
                        firstNanos.compareAndSet(0, now);
                        lastNanos.set(now);
                        if (lines.incrementAndGet() == FAST_LINES) {
                            all.countDown();
                        }
                    };
            async.getLogs(
                    GetLogsRequest.newBuilder()
                            .setDeploymentId(fast)
                            .setFollow(true)
                            .setMaxLinesPerMessage(perMessage)
                            .build(),
                    observer(
                            call,
                            false,
                            entry -> {
                                messages.incrementAndGet();
                                line.accept(entry);
                                for (LogEntry more : entry.getMoreList()) {
                                    line.accept(more);
                                }
                            },
                            error,
                            all));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long seen = -1;
            // stop when all lines came, or nothing came for 5 s (reports what arrived)
            while (!all.await(5, TimeUnit.SECONDS) && System.nanoTime() < deadline) {
                long now = lines.get();
                if (now == seen && now > 0) {
                    break;
                }
                seen = now;
            }
            double secs = (lastNanos.get() - firstNanos.get()) / 1e9;
            long burstMessages = messages.get();
            // a lone new line: from creating its file (the service polls every 5 ms, the node
            // collects the output every collection round) to the client receiving it
            List<Double> pingMs = new ArrayList<>();
            for (int i = 1; i <= PINGS && lines.get() == FAST_LINES; i++) {
                long created = System.nanoTime();
                Files.createFile(pings.resolve("go-" + i));
                Long arrived = pingArrivals.poll(10, TimeUnit.SECONDS);
                if (arrived == null) {
                    System.out.println("ping " + i + " did not arrive within 10 s");
                    break;
                }
                pingMs.add((arrived - created) / 1e6);
            }
            if (call.get() != null) {
                call.get().cancel("benchmark done", null);
            }
            System.out.printf(
                    Locale.ROOT,
                    "fast follow (%s): stream %s after %.1f s (error: %s); node RSS %.1f MB before,"
                            + " %.1f MB after%n",
                    mode,
                    lines.get() == FAST_LINES
                            ? "received every line"
                            : (all.getCount() == 0 ? "ended by the server" : "timed out"),
                    (System.nanoTime() - opened) / 1e9,
                    error.get(),
                    rssBefore,
                    rssMb(nodePid));
            System.out.printf(
                    Locale.ROOT,
                    "GetLogs follow, %s, fast producer (%d lines of 'line'): %d lines in %d"
                            + " messages, received in %.2f s from the first to the last = %.0f"
                            + " lines/s; a lone new line arrived after %s ms; load %s%n",
                    mode,
                    FAST_LINES,
                    lines.get(),
                    burstMessages,
                    secs,
                    lines.get() / secs,
                    pingMs.stream().map(ms -> String.format(Locale.ROOT, "%.1f", ms)).toList(),
                    loadAverage());
        } finally {
            remove(node, fast);
        }
    }

    /**
     * The same client reading FAST_LINES entries from the bare server's in-memory GetLogs, one per
     * message or {@code perMessage} per message.
     */
    private void bareCeiling(ManagedChannel bareChannel, int perMessage)
            throws InterruptedException {
        for (String label : List.of("warm-up", "measured")) {
            AtomicLong lines = new AtomicLong();
            AtomicLong firstNanos = new AtomicLong();
            AtomicLong lastNanos = new AtomicLong();
            CountDownLatch ended = new CountDownLatch(1);
            AtomicReference<Throwable> error = new AtomicReference<>();
            NodeServiceGrpc.newStub(bareChannel)
                    .getLogs(
                            GetLogsRequest.newBuilder()
                                    .setTail(FAST_LINES)
                                    .setFollow(true)
                                    .setMaxLinesPerMessage(perMessage)
                                    .build(),
                            observer(
                                    new AtomicReference<>(),
                                    false,
                                    entry -> {
                                        if (!entry.getMessage().equals("line")) {
                                            return;
                                        }
                                        long now = System.nanoTime();
                                        firstNanos.compareAndSet(0, now);
                                        lastNanos.set(now);
                                        lines.addAndGet(1 + entry.getMoreCount());
                                    },
                                    error,
                                    ended));
            if (!ended.await(120, TimeUnit.SECONDS)) {
                System.out.println("bare GetLogs did not end within 120 s");
            }
            double secs = (lastNanos.get() - firstNanos.get()) / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "GetLogs ceiling (%s, %s), bare server sending %d entries from memory: %d"
                            + " received in %.2f s = %.0f lines/s (error: %s); load %s%n",
                    label,
                    perMessage > 1 ? perMessage + " per message" : "one per message",
                    FAST_LINES,
                    lines.get(),
                    secs,
                    lines.get() / secs,
                    error.get(),
                    loadAverage());
        }
    }

    private void slowReader(NodeServiceGrpc.NodeServiceBlockingStub node, ManagedChannel channel)
            throws Exception {
        String slow = "rpcbench-slow-" + ProcessHandle.current().pid();
        Path counter = Files.createTempFile("rpcbench-batches", ".txt");
        deploy(
                node,
                slow,
                "i=0; while :; do yes line | head -n "
                        + SLOW_BATCH
                        + "; i=$((i+1)); echo $i > "
                        + counter
                        + "; sleep 0.1; done");
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        try {
            awaitRunning(node, slow);
            NodeServiceGrpc.NodeServiceStub async =
                    NodeServiceGrpc.newStub(channel).withInterceptors(authInterceptor());
            AtomicLong lines = new AtomicLong();
            AtomicReference<Throwable> error = new AtomicReference<>();
            AtomicReference<ClientCallStreamObserver<GetLogsRequest>> call =
                    new AtomicReference<>();
            CountDownLatch ended = new CountDownLatch(1);
            async.getLogs(
                    GetLogsRequest.newBuilder().setDeploymentId(slow).setFollow(true).build(),
                    observer(call, true, e -> lines.incrementAndGet(), error, ended));
            // the reader asks for SLOW_READ_PER_SECOND / 10 messages every 100 ms
            pacer.scheduleAtFixedRate(
                    () -> {
                        ClientCallStreamObserver<GetLogsRequest> c = call.get();
                        if (c != null) {
                            c.request(SLOW_READ_PER_SECOND / 10);
                        }
                    },
                    100,
                    100,
                    TimeUnit.MILLISECONDS);
            int total = Math.max(20, seconds * 4);
            long producedStart = producedLines(counter);
            long t0 = System.nanoTime();
            System.out.println("slow reader: t s, node RSS MB, lines read, lines written");
            for (int s = 0; s <= total; s += 2) {
                if (s > 0) {
                    ended.await(2, TimeUnit.SECONDS);
                }
                System.out.printf(
                        Locale.ROOT,
                        "  %3d  %6.1f  %8d  %8d%n",
                        s,
                        rssMb(nodePid),
                        lines.get(),
                        (producedLines(counter) - producedStart));
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long written = (producedLines(counter) - producedStart);
            System.out.printf(
                    Locale.ROOT,
                    "slow reader: producer wrote ~%.0f lines/s, the reader read %.0f lines/s"
                            + " (%.1fx slower); stream error: %s; load %s%n",
                    written / secs,
                    lines.get() / secs,
                    (written / secs) / Math.max(1, lines.get() / secs),
                    error.get(),
                    loadAverage());
            if (call.get() != null) {
                call.get().cancel("benchmark done", null);
            }
        } finally {
            pacer.shutdownNow();
            remove(node, slow);
            Files.deleteIfExists(counter);
        }
    }

    /** Lines the slow producer has written: it counts its batches in a file. */
    private static long producedLines(Path counter) {
        try {
            String text = Files.readString(counter).trim();
            return text.isEmpty() ? 0 : Long.parseLong(text) * SLOW_BATCH;
        } catch (IOException | NumberFormatException e) {
            return 0; // not written yet, or caught mid-write
        }
    }

    private io.grpc.ClientInterceptor authInterceptor() {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), apiKey);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    private static ClientResponseObserver<GetLogsRequest, LogEntry> observer(
            AtomicReference<ClientCallStreamObserver<GetLogsRequest>> call,
            boolean manualFlow,
            Consumer<LogEntry> onEntry,
            AtomicReference<Throwable> error,
            CountDownLatch ended) {
        return new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<GetLogsRequest> requestStream) {
                call.set(requestStream);
                if (manualFlow) {
                    requestStream.disableAutoRequestWithInitial(0);
                }
            }

            @Override
            public void onNext(LogEntry value) {
                onEntry.accept(value);
            }

            @Override
            public void onError(Throwable t) {
                error.set(t);
                ended.countDown();
            }

            @Override
            public void onCompleted() {
                ended.countDown();
            }
        };
    }

    private void deploy(NodeServiceGrpc.NodeServiceBlockingStub node, String id, String script) {
        DeployResponse r =
                node.deploy(
                        DeployRequest.newBuilder()
                                .setDeploymentId(id)
                                .setName(id)
                                .setSpec(
                                        ComposeSpec.newBuilder()
                                                .setName(id)
                                                .putServices(
                                                        "gen",
                                                        ServiceSpec.newBuilder()
                                                                .addEntrypoint("/bin/sh")
                                                                .addEntrypoint("-c")
                                                                .addEntrypoint(script)
                                                                .setRestart("no")
                                                                .build()))
                                .setOptions(
                                        DeploymentOptions.newBuilder()
                                                .putLabels("hanzo.runtime", "process"))
                                .build());
        if (!r.getSuccess()) {
            throw new IllegalStateException("deploy " + id + " refused: " + r.getMessage());
        }
    }

    private static void awaitRunning(NodeServiceGrpc.NodeServiceBlockingStub node, String id)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (DeploymentStatus d :
                    node.getStatus(GetStatusRequest.getDefaultInstance()).getDeploymentsList()) {
                if (d.getDeploymentId().equals(id) && d.getStatus().equals("running")) {
                    return;
                }
            }
            // polling the node's status: there is no cheaper signal for "running" on the client
            TimeUnit.MILLISECONDS.sleep(100);
        }
        throw new IllegalStateException(id + " did not reach running within 30 s");
    }

    private static void remove(NodeServiceGrpc.NodeServiceBlockingStub node, String id) {
        try {
            node.withDeadlineAfter(30, TimeUnit.SECONDS)
                    .remove(RemoveRequest.newBuilder().setDeploymentId(id).build());
        } catch (RuntimeException e) {
            System.out.println("remove " + id + " failed: " + e);
        }
    }

    private static double rssMb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return String.format(
                    Locale.ROOT,
                    "%.2f",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }
}
