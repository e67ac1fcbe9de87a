package ai.hanzo.node.bench.inference;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.hanzo.node.proto.v1.EmbedRequest;
import ai.hanzo.node.proto.v1.EmbedResponse;
import ai.hanzo.node.proto.v1.InferenceServiceGrpc;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Embedding throughput and latency, in one run: the running node over gRPC (one text per request, 1
 * or 16 concurrent clients, the node batching as it likes) against ONNX Runtime's Java API called
 * directly in this JVM (same model file, same tokenizer, same pooling; batch 1 on 1 or 16 threads,
 * and hand-made batches). Short (~10-token) and ~128-token texts.
 *
 * <p>Usage: {@code InferenceBench <host:port> <admin.key file> <seconds per phase>}
 */
public final class InferenceBench {
    private static final double FLOP_PER_TOKEN = 21e6; // all-MiniLM-L6-v2's matrix multiplies
    private static final int INTRA_OP_THREADS = Integer.getInteger("bench.intraOpThreads", 2);
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
    private static final int WARM_UP_SECONDS = Integer.getInteger("bench.warmUpSeconds", 16);
    private static final int CLOCK_TICKS_PER_SECOND = Integer.getInteger("bench.clockTicks", 100);

    /** Runs only the set-ups whose name contains this (for profiling one of them); all if empty. */
    private static final String ONLY = System.getProperty("bench.only", "");

    private static final boolean SPINNING =
            Boolean.parseBoolean(System.getProperty("bench.spinning", "false"));

    record Phase(
            String name,
            double sentencesPerSecond,
            double tokensPerSecond,
            double p50Ms,
            double p99Ms,
            double meanMs) {}

    private final List<String> shortTexts = new ArrayList<>();
    private final List<String> longTexts = new ArrayList<>();
    private final HuggingFaceTokenizer tokenizer;
    private final OrtEnvironment env = environment();
    private final OrtSession session;
    private final long seconds;

    /**
     * ORT's environment as the direct side's sessions get it: plain, or (bench.globalThreadPools)
     * with global thread pools at their defaults, as DJL's OrtEngine creates it in the node.
     */
    private static OrtEnvironment environment() {
        if (!Boolean.getBoolean("bench.globalThreadPools")) {
            return OrtEnvironment.getEnvironment();
        }
        try (OrtEnvironment.ThreadingOptions threading = new OrtEnvironment.ThreadingOptions()) {
            return OrtEnvironment.getEnvironment(
                    ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
                    "ort-java",
                    threading);
        }
    }

    private InferenceBench(long seconds) throws Exception {
        this.seconds = seconds;
        Path dir = Files.createTempDirectory("inference-bench");
        Path onnx = copy("/all-minilm-l6-v2.onnx", dir);
        Path tok = copy("/all-minilm-l6-v2-tokenizer.json", dir);
        tokenizer =
                HuggingFaceTokenizer.builder()
                        .optTokenizerPath(tok)
                        .optTruncation(false)
                        .optPadding(false)
                        .build();
        // the node's settings (bench-inference.sh writes the same into its configuration)
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(INTRA_OP_THREADS);
        options.setInterOpNumThreads(1);
        if (!SPINNING) {
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
        }
        session = env.createSession(onnx.toString(), options);
        String[] subjects = {
            "The cat",
            "A small boat",
            "Our team",
            "The old library",
            "My neighbour",
            "This recipe",
            "The river",
            "A new study",
            "The orchestra",
            "That server"
        };
        String[] verbs = {
            "sits near",
            "drifts past",
            "argues about",
            "opens onto",
            "repairs",
            "needs",
            "floods",
            "questions",
            "rehearses for",
            "restarts after"
        };
        String[] objects = {
            "the quiet harbour.",
            "an unexpected storm.",
            "the quarterly budget.",
            "a sunny courtyard.",
            "his broken bicycle.",
            "fresh basil and garlic.",
            "the low fields.",
            "earlier results on sleep.",
            "the winter concert.",
            "the failed update."
        };
        for (int i = 0; i < 64; i++) {
            shortTexts.add(
                    subjects[i % 10]
                            + " "
                            + verbs[(i / 10 + i) % 10]
                            + " "
                            + objects[(i * 7) % 10]);
        }
        for (int i = 0; i < 32; i++) {
            StringBuilder text = new StringBuilder();
            int j = i;
            while (tokens(text.toString()) < 126) {
                text.append(shortTexts.get(j++ % shortTexts.size())).append(' ');
            }
            longTexts.add(text.toString().trim());
        }
    }

    private static Path copy(String resource, Path dir) throws Exception {
        Path target = dir.resolve(resource.substring(1));
        try (InputStream in = InferenceBench.class.getResourceAsStream(resource)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    private int tokens(String text) {
        return text.isEmpty() ? 0 : tokenizer.encode(text).getIds().length;
    }

    public static void main(String[] args) throws Exception {
        String target = args[0];
        String key = Files.readString(Path.of(args[1])).trim();
        long seconds = Long.parseLong(args.length > 2 ? args[2] : "6");
        // optional: a second node with batching off, for the "node without batching" reading
        String unbatchedTarget = args.length > 4 ? args[3] : null;
        String unbatchedKey = args.length > 4 ? Files.readString(Path.of(args[4])).trim() : null;
        InferenceBench bench = new InferenceBench(seconds);
        bench.run(target, key, unbatchedTarget, unbatchedKey);
    }

    private static ManagedChannel channel(String target) {
        String[] hostPort = target.split(":");
        return NettyChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1]))
                .usePlaintext()
                .build();
    }

    private static InferenceServiceGrpc.InferenceServiceBlockingStub stub(
            ManagedChannel channel, String key) {
        Metadata auth = new Metadata();
        auth.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), key);
        return InferenceServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth));
    }

    private void run(String target, String key, String unbatchedTarget, String unbatchedKey)
            throws Exception {
        ManagedChannel channel = channel(target);
        InferenceServiceGrpc.InferenceServiceBlockingStub node = stub(channel, key);
        waitForModel(node);
        ManagedChannel unbatchedChannel = null;
        InferenceServiceGrpc.InferenceServiceBlockingStub unbatched = null;
        if (unbatchedTarget != null) {
            unbatchedChannel = channel(unbatchedTarget);
            unbatched = stub(unbatchedChannel, unbatchedKey);
            waitForModel(unbatched);
        }
        double shortTokens = shortTexts.stream().mapToInt(this::tokens).average().orElse(0);
        double longTokens = longTexts.stream().mapToInt(this::tokens).average().orElse(0);
        System.out.printf(
                Locale.ROOT,
                "texts: short %.1f tokens, long %.1f tokens (incl. [CLS]/[SEP]); %d s per set-up in"
                        + " %d interleaved rounds, %d cores; ORT intra-op threads %d, inter-op 1,"
                        + " spinning %s (node and direct)%n",
                shortTokens,
                longTokens,
                seconds,
                ROUNDS,
                Runtime.getRuntime().availableProcessors(),
                INTRA_OP_THREADS,
                SPINNING ? "on" : "off");

        // Warm every side up with the loads it will see: the node's gRPC, protobuf and batching
        // code runs a few dozen methods per request and needs thousands of requests before the
        // JIT's last tier compiles it, where the direct side's few hot loops compile within a
        // second. Two seconds of one client left both JVMs' C2 threads compiling the one-client
        // path during the measured phases (0.3-1.2 s of C2 CPU per 8 s in each JVM, stop 20),
        // taking a core from ORT's two threads; the one-client warm-up is now as long as the
        // others, and every set-up prints the JIT's CPU.
        List<Embedder> sides = new ArrayList<>(List.of(nodeOf(node), direct()));
        if (unbatched != null) {
            sides.add(nodeOf(unbatched));
        }
        for (Embedder side : sides) {
            measure(16, shortTexts, side, 1, WARM_UP_SECONDS / 2.0);
            measure(16, longTexts, side, 1, WARM_UP_SECONDS / 2.0);
            measure(1, shortTexts, side, 1, WARM_UP_SECONDS / 2.0);
        }

        // The six set-ups of a text size run in ROUNDS interleaved slices (node, direct, node,
        // ...) rather than one after the other: on a shared machine the load drifts by tens of
        // percent within a minute, and interleaving gives each side the same drift.
        List<Phase> phases = new ArrayList<>();
        for (List<String> texts : List.of(shortTexts, longTexts)) {
            String size = texts == shortTexts ? "short" : "long";
            List<SetUp> setUps =
                    new ArrayList<>(
                            List.of(
                                    new SetUp(
                                            "node gRPC, 1 client, batch 1, " + size,
                                            1,
                                            nodeOf(node),
                                            1),
                                    new SetUp(
                                            "direct ORT, 1 thread, batch 1, " + size,
                                            1,
                                            direct(),
                                            1),
                                    new SetUp(
                                            "node gRPC, 16 clients, batch 1, " + size,
                                            16,
                                            nodeOf(node),
                                            1),
                                    new SetUp(
                                            "direct ORT, 16 threads, batch 1 (unbatched), " + size,
                                            16,
                                            direct(),
                                            1),
                                    new SetUp(
                                            "direct ORT, 1 thread, hand-made batch 16, " + size,
                                            1,
                                            direct(),
                                            16),
                                    new SetUp(
                                            "direct ORT, 1 thread, hand-made batch 32, " + size,
                                            1,
                                            direct(),
                                            32)));
            if (unbatched != null) {
                setUps.add(
                        3,
                        new SetUp(
                                "node gRPC, batching off, 16 clients, batch 1, " + size,
                                16,
                                nodeOf(unbatched),
                                1));
            }
            List<Slice> totals = new ArrayList<>();
            setUps.forEach(
                    u -> totals.add(new Slice(0, 0, 0, new long[0], new long[7], 0, 0, 0, 0)));
            double sliceSeconds = seconds / (double) ROUNDS;
            for (int round = 0; round < ROUNDS; round++) {
                for (int i = 0; i < setUps.size(); i++) {
                    SetUp u = setUps.get(i);
                    if (!u.name().contains(ONLY)) {
                        continue;
                    }
                    Slice slice =
                            measure(u.clients(), texts, u.embedder(), u.batch(), sliceSeconds);
                    totals.set(i, totals.get(i).plus(slice));
                }
            }
            for (int i = 0; i < setUps.size(); i++) {
                if (!setUps.get(i).name().contains(ONLY)) {
                    continue;
                }
                Phase phase = totals.get(i).phase(setUps.get(i).name());
                phases.add(phase);
                System.out.printf(
                        Locale.ROOT,
                        "%-60s %8.1f sentences/s %9.0f tokens/s p50 %.2f ms p99 %.2f ms mean %.2f"
                                + " ms%n",
                        phase.name(),
                        phase.sentencesPerSecond(),
                        phase.tokensPerSecond(),
                        phase.p50Ms(),
                        phase.p99Ms(),
                        phase.meanMs());
                printNodeBreakdown(totals.get(i).node());
                printCpu(totals.get(i));
            }
        }
        channel.shutdownNow();
        if (unbatchedChannel != null) {
            unbatchedChannel.shutdownNow();
        }

        System.out.println();
        System.out.println("| phase | sentences/s | tokens/s | p50 ms | p99 ms | share of peak |");
        System.out.println("|---|---|---|---|---|---|");
        double peak = peakFlops();
        for (Phase p : phases) {
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.1f | %.0f | %.2f | %.2f | %.1f%% |%n",
                    p.name(),
                    p.sentencesPerSecond(),
                    p.tokensPerSecond(),
                    p.p50Ms(),
                    p.p99Ms(),
                    100 * p.tokensPerSecond() * FLOP_PER_TOKEN / peak);
        }
        System.out.printf(
                Locale.ROOT, "%npeak assumed: %.1f GFLOP/s (%s)%n", peak / 1e9, peakBasis);
        for (int i = 0; i < 2 && ONLY.isEmpty(); i++) {
            String size = i == 0 ? "short" : "long";
            Phase node1 = phase(phases, "node gRPC, 1 client, batch 1, " + size);
            Phase direct1 = phase(phases, "direct ORT, 1 thread, batch 1, " + size);
            Phase node16 = phase(phases, "node gRPC, 16 clients, batch 1, " + size);
            Phase direct16 = phase(phases, "direct ORT, 16 threads, batch 1 (unbatched), " + size);
            double bestBatched =
                    Math.max(
                            phase(phases, "direct ORT, 1 thread, hand-made batch 16, " + size)
                                    .sentencesPerSecond(),
                            phase(phases, "direct ORT, 1 thread, hand-made batch 32, " + size)
                                    .sentencesPerSecond());
            System.out.printf(
                    Locale.ROOT,
                    "%s: node overhead at batch 1, one client: %.1f%% (goal < 15%%); 16 clients: node / unbatched direct = %.2fx (goal >= 2x), node / best hand-batched direct = %.2f (goal >= 0.90)%n",
                    size,
                    100 * (1 - node1.sentencesPerSecond() / direct1.sentencesPerSecond()),
                    node16.sentencesPerSecond() / direct16.sentencesPerSecond(),
                    node16.sentencesPerSecond() / bestBatched);
            if (unbatched != null) {
                Phase off = phase(phases, "node gRPC, batching off, 16 clients, batch 1, " + size);
                System.out.printf(
                        Locale.ROOT,
                        "%s: 16 clients: node / the node with batching off = %.2fx%n",
                        size,
                        node16.sentencesPerSecond() / off.sentencesPerSecond());
            }
        }
    }

    private static Phase phase(List<Phase> phases, String name) {
        return phases.stream()
                .filter(p -> p.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no set-up " + name));
    }

    private String peakBasis = "";

    /** The node loads its model in the background after it is READY: wait for it (2 min). */
    private static void waitForModel(InferenceServiceGrpc.InferenceServiceBlockingStub node)
            throws InterruptedException {
        long until = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < until) {
            try {
                boolean ready =
                        node
                                .listModels(
                                        ai.hanzo.node.proto.v1.ListModelsRequest
                                                .getDefaultInstance())
                                .getModelsList()
                                .stream()
                                .anyMatch(
                                        m ->
                                                m.getId().equals("all-minilm-l6-v2")
                                                        && m.getState().equals("ready"));
                if (ready) {
                    return;
                }
            } catch (io.grpc.StatusRuntimeException e) {
                // not serving yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the node's model did not become ready in 2 minutes");
    }

    /** Cores x max MHz x FP32 FLOP per cycle (AVX-512: 64, AVX2+FMA: 32, else 8): a ceiling. */
    private double peakFlops() throws Exception {
        double mhz = 0;
        String flags = "";
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("cpu MHz")) {
                mhz =
                        Math.max(
                                mhz,
                                Double.parseDouble(line.substring(line.indexOf(':') + 1).trim()));
            } else if (line.startsWith("flags")) {
                flags = line;
            }
        }
        int perCycle =
                flags.contains(" avx512f")
                        ? 64
                        : flags.contains(" fma") && flags.contains(" avx2") ? 32 : 8;
        int cores = Runtime.getRuntime().availableProcessors();
        peakBasis = cores + " cores x " + mhz + " MHz x " + perCycle + " FP32 FLOP/cycle";
        return cores * mhz * 1e6 * perCycle;
    }

    @FunctionalInterface
    interface Embedder {
        void embed(List<String> texts) throws Exception;
    }

    /** What the node says about its side of the requests of the current phase (its Timings). */
    private final AtomicLong nodeRequests = new AtomicLong();

    private final AtomicLong nodeBatchItems = new AtomicLong();
    private final AtomicLong nodeTokenizeUs = new AtomicLong();
    private final AtomicLong nodeQueueUs = new AtomicLong();
    private final AtomicLong nodeInferenceUs = new AtomicLong();
    private final AtomicLong nodeTotalUs = new AtomicLong();
    private final AtomicLong clientUs = new AtomicLong();

    private void nodeEmbed(
            InferenceServiceGrpc.InferenceServiceBlockingStub node, List<String> texts) {
        long start = System.nanoTime();
        EmbedResponse response = node.embed(EmbedRequest.newBuilder().addAllInputs(texts).build());
        clientUs.addAndGet((System.nanoTime() - start) / 1000);
        if (response.getEmbeddingsCount() != texts.size()) {
            throw new IllegalStateException("node returned " + response.getEmbeddingsCount());
        }
        var t = response.getTimings();
        nodeRequests.incrementAndGet();
        nodeBatchItems.addAndGet(t.getBatchSize());
        nodeTokenizeUs.addAndGet(t.getTokenizeUs());
        nodeQueueUs.addAndGet(t.getQueueUs());
        nodeInferenceUs.addAndGet(t.getInferenceUs());
        nodeTotalUs.addAndGet(t.getTotalUs());
    }

    /**
     * Where a node request's time went, means over the set-up: the node's own timings (tokenize,
     * queue, inference with pooling) and what is left of the client's latency (gRPC both ways,
     * authentication, protobuf, thread hand-offs).
     */
    private static void printNodeBreakdown(long[] sums) {
        long n = sums[0];
        if (n == 0) {
            return;
        }
        System.out.printf(
                Locale.ROOT,
                "    node, means per request: batch %.1f texts; tokenize %.2f ms, queue %.2f ms,"
                        + " inference %.2f ms, in the service %.2f ms; client latency %.2f ms, of"
                        + " which outside the service (gRPC, auth, hand-offs) %.2f ms%n",
                sums[1] / (double) n,
                sums[2] / 1000.0 / n,
                sums[3] / 1000.0 / n,
                sums[4] / 1000.0 / n,
                sums[5] / 1000.0 / n,
                sums[6] / 1000.0 / n,
                (sums[6] - sums[5]) / 1000.0 / n);
    }

    /** The nodes' JVMs (their pids, from the script), whose CPU time each set-up reports. */
    private static final List<String> NODE_PIDS =
            Arrays.stream(System.getProperty("bench.nodePids", "").split(","))
                    .filter(p -> !p.isBlank())
                    .toList();

    private static final long CLOCK_TICK_NANOS = 1_000_000_000L / CLOCK_TICKS_PER_SECOND;

    /** This JVM's CPU time (all threads: bench callers, gRPC client, JIT, GC). */
    private static long benchCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The nodes' CPU time: utime + stime from /proc/<pid>/stat. */
    private static long nodeCpuNanos() {
        return NODE_PIDS.stream().mapToLong(pid -> cpuNanos(Path.of("/proc", pid, "stat"))).sum();
    }

    /** utime + stime of a /proc stat file (a process or one thread), in nanoseconds. */
    private static long cpuNanos(Path stat) {
        try {
            String line = Files.readString(stat);
            String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * CLOCK_TICK_NANOS;
        } catch (java.io.IOException | RuntimeException e) {
            return 0; // gone
        }
    }

    /**
     * CPU time of a JVM's JIT compiler threads (C1 and C2), from /proc/<pid>/task: a JIT still
     * compiling during a measured set-up takes a core from the ORT threads on 2 cores.
     */
    private static long jitNanos(String pid) {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc", pid, "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).startsWith("C")
                            && Files.readString(task.resolve("comm")).contains("CompilerThre")) {
                        sum += cpuNanos(task.resolve("stat"));
                    }
                } catch (java.io.IOException e) {
                    // the thread ended
                }
            }
        } catch (java.io.IOException e) {
            return 0;
        }
        return sum;
    }

    /**
     * CPU the set-up took, in cores (CPU seconds per second): the bench JVM (for a node set-up, the
     * gRPC client and its callers; for a direct one, the whole ORT work) and the nodes. The client
     * shares the 2 cores with the node, which hand-made batches do not have to.
     */
    private static void printCpu(Slice s) {
        if (s.elapsed() == 0) {
            return;
        }
        System.out.printf(
                Locale.ROOT,
                "    CPU: bench JVM %.2f cores (%.2f ms per sentence, JIT %.2f cores), nodes %.2f"
                        + " cores (%.2f ms per sentence, JIT %.2f cores)%n",
                s.benchCpuNanos() / 1e9 / s.elapsed(),
                s.benchCpuNanos() / 1e6 / Math.max(1, s.sentences()),
                s.benchJitNanos() / 1e9 / s.elapsed(),
                s.nodeCpuNanos() / 1e9 / s.elapsed(),
                s.nodeCpuNanos() / 1e6 / Math.max(1, s.sentences()),
                s.nodeJitNanos() / 1e9 / s.elapsed());
    }

    /** Tokenize, pad, one ORT run, mean pooling, L2: what the node does, minus the node. */
    private void directEmbed(List<String> texts) throws Exception {
        int n = texts.size();
        Encoding[] encodings = new Encoding[n];
        int length = 0;
        for (int i = 0; i < n; i++) {
            encodings[i] = tokenizer.encode(texts.get(i));
            length = Math.max(length, encodings[i].getIds().length);
        }
        long[] ids = new long[n * length];
        long[] mask = new long[n * length];
        for (int i = 0; i < n; i++) {
            long[] e = encodings[i].getIds();
            System.arraycopy(e, 0, ids, i * length, e.length);
            Arrays.fill(mask, i * length, i * length + e.length, 1);
        }
        long[] shape = {n, length};
        try (OnnxTensor idT = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
                OnnxTensor maskT = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
                OnnxTensor typeT =
                        OnnxTensor.createTensor(env, LongBuffer.wrap(new long[n * length]), shape);
                OrtSession.Result result =
                        session.run(
                                Map.of(
                                        "input_ids",
                                        idT,
                                        "attention_mask",
                                        maskT,
                                        "token_type_ids",
                                        typeT))) {
            float[][][] hidden = (float[][][]) result.get(0).getValue();
            for (int i = 0; i < n; i++) {
                int count = encodings[i].getIds().length;
                float[] v = new float[hidden[i][0].length];
                for (int t = 0; t < count; t++) {
                    for (int d = 0; d < v.length; d++) {
                        v[d] += hidden[i][t][d] / count;
                    }
                }
                double norm = 0;
                for (float x : v) {
                    norm += x * x;
                }
                if (norm == 0) {
                    throw new IllegalStateException("zero vector");
                }
            }
        }
    }

    /** One slice of one set-up: counts, the real elapsed time, latencies, node timings. */
    record Slice(
            long sentences,
            long tokens,
            double elapsed,
            long[] latencies,
            long[] node,
            long benchCpuNanos,
            long nodeCpuNanos,
            long benchJitNanos,
            long nodeJitNanos) {
        Slice plus(Slice other) {
            long[] all = Arrays.copyOf(latencies, latencies.length + other.latencies.length);
            System.arraycopy(other.latencies, 0, all, latencies.length, other.latencies.length);
            long[] sums = node.clone();
            for (int i = 0; i < sums.length; i++) {
                sums[i] += other.node[i];
            }
            return new Slice(
                    sentences + other.sentences,
                    tokens + other.tokens,
                    elapsed + other.elapsed,
                    all,
                    sums,
                    benchCpuNanos + other.benchCpuNanos,
                    nodeCpuNanos + other.nodeCpuNanos,
                    benchJitNanos + other.benchJitNanos,
                    nodeJitNanos + other.nodeJitNanos);
        }

        Phase phase(String name) {
            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            double p50 = sorted.length == 0 ? 0 : sorted[sorted.length / 2] / 1e6;
            double p99 =
                    sorted.length == 0
                            ? 0
                            : sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))]
                                    / 1e6;
            double mean = Arrays.stream(sorted).average().orElse(0) / 1e6;
            return new Phase(name, sentences / elapsed, tokens / elapsed, p50, p99, mean);
        }
    }

    /** A measured set-up: who calls, how many callers, texts per call. */
    record SetUp(String name, int clients, Embedder embedder, int batch) {}

    private Embedder nodeOf(InferenceServiceGrpc.InferenceServiceBlockingStub node) {
        return texts -> nodeEmbed(node, texts);
    }

    private Embedder direct() {
        return this::directEmbed;
    }

    private Slice measure(
            int threads, List<String> texts, Embedder embedder, int batch, double sliceSeconds)
            throws Exception {
        AtomicLong sentences = new AtomicLong();
        AtomicLong tokenCount = new AtomicLong();
        List<long[]> latencies = new ArrayList<>();
        long benchCpuBefore = benchCpuNanos();
        long nodeCpuBefore = nodeCpuNanos();
        long benchJitBefore = jitNanos(String.valueOf(ProcessHandle.current().pid()));
        long nodeJitBefore = NODE_PIDS.stream().mapToLong(InferenceBench::jitNanos).sum();
        long begin = System.nanoTime();
        long end = begin + (long) (sliceSeconds * 1e9);
        CountDownLatch done = new CountDownLatch(threads);
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        int[] tokensPerText = texts.stream().mapToInt(this::tokens).toArray();
        for (int t = 0; t < threads; t++) {
            int offset = t * 7;
            long[] mine = new long[1 << 16];
            latencies.add(mine);
            Thread thread =
                    new Thread(
                            () -> {
                                int i = offset;
                                int count = 0;
                                try {
                                    while (System.nanoTime() < end) {
                                        List<String> request = new ArrayList<>(batch);
                                        long tokens = 0;
                                        for (int b = 0; b < batch; b++) {
                                            int at = i++ % texts.size();
                                            request.add(texts.get(at));
                                            tokens += tokensPerText[at];
                                        }
                                        long start = System.nanoTime();
                                        embedder.embed(request);
                                        long took = System.nanoTime() - start;
                                        if (count < mine.length - 1) {
                                            mine[++count] = took;
                                        }
                                        sentences.addAndGet(batch);
                                        tokenCount.addAndGet(tokens);
                                    }
                                } catch (Throwable e) {
                                    failures.add(e);
                                } finally {
                                    mine[0] = count;
                                    done.countDown();
                                }
                            },
                            "bench-" + t);
            thread.start();
        }
        done.await();
        // until the last request finished: a request started before the end counts whole, so
        // dividing by the nominal time would overstate long batches
        double elapsed = (System.nanoTime() - begin) / 1e9;
        long benchCpu = benchCpuNanos() - benchCpuBefore;
        long nodeCpu = nodeCpuNanos() - nodeCpuBefore;
        long benchJit = jitNanos(String.valueOf(ProcessHandle.current().pid())) - benchJitBefore;
        long nodeJit = NODE_PIDS.stream().mapToLong(InferenceBench::jitNanos).sum() - nodeJitBefore;
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a bench call failed", failures.get(0));
        }
        long[] all =
                latencies.stream()
                        .flatMapToLong(l -> Arrays.stream(l, 1, (int) l[0] + 1))
                        .toArray();
        long[] node = {
            nodeRequests.getAndSet(0),
            nodeBatchItems.getAndSet(0),
            nodeTokenizeUs.getAndSet(0),
            nodeQueueUs.getAndSet(0),
            nodeInferenceUs.getAndSet(0),
            nodeTotalUs.getAndSet(0),
            clientUs.getAndSet(0)
        };
        return new Slice(
                sentences.get(),
                tokenCount.get(),
                elapsed,
                all,
                node,
                benchCpu,
                nodeCpu,
                benchJit,
                nodeJit);
    }
}
