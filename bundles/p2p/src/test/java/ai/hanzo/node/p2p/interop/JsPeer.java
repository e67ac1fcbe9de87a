package ai.hanzo.node.p2p.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real js-libp2p node (src/test/js/peer.mjs) in a child Node.js process, driven with JSON lines.
 * Replies are kept as raw JSON text; tests pick fields with {@link #field} and {@link #array},
 * which is enough for the flat replies the harness sends.
 */
final class JsPeer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JsPeer.class);
    private static final Pattern ID = Pattern.compile("^\\{\"id\":(\\d+),");

    private final Process process;
    private final Writer stdin;
    private final Map<Integer, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
    final List<String> events = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final CompletableFuture<String> ready = new CompletableFuture<>();
    final String peerId;
    final String addr;

    /**
     * @param services comma-separated: identify,ping[,pubsub][,dht]
     */
    JsPeer(String services) throws Exception {
        Path dir = Path.of(System.getProperty("p2p.js.dir", "src/test/js"));
        if (!Files.isDirectory(dir.resolve("node_modules/libp2p"))) {
            throw new IllegalStateException(
                    "js-libp2p is not installed in "
                            + dir
                            + " (run mvn generate-test-resources or npm ci there)");
        }
        String node = System.getProperty("p2p.node.executable", "node");
        ProcessBuilder pb =
                new ProcessBuilder(
                                node,
                                "--import",
                                "./polyfill.mjs",
                                "peer.mjs",
                                services,
                                "/ip4/127.0.0.1/tcp/0")
                        .directory(dir.toFile())
                        .redirectErrorStream(false);
        pb.environment().remove("DEBUG");
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot start Node.js (" + node + "): " + e.getMessage(), e);
        }
        stdin = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readLoop, "js-peer-stdout");
        reader.setDaemon(true);
        reader.start();
        Thread err = new Thread(() -> drain(process.getErrorStream()), "js-peer-stderr");
        err.setDaemon(true);
        err.start();
        String readyLine = ready.get(60, TimeUnit.SECONDS);
        peerId = field(readyLine, "peerId");
        addr = array(readyLine, "addrs").get(0);
        LOG.info("js-libp2p peer {} ready at {}", peerId, addr);
    }

    private void readLoop() {
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                Matcher m = ID.matcher(line);
                if (m.find()) {
                    CompletableFuture<String> f = pending.remove(Integer.parseInt(m.group(1)));
                    if (f != null) {
                        f.complete(line);
                    }
                } else if (line.startsWith("{\"event\":\"ready\"")) {
                    ready.complete(line);
                } else if (line.startsWith("{\"event\"")) {
                    events.add(line);
                } else {
                    LOG.info("js: {}", line);
                }
            }
        } catch (IOException e) {
            // process ended
        }
        ready.completeExceptionally(new IOException("js peer exited"));
        pending.values().forEach(f -> f.completeExceptionally(new IOException("js peer exited")));
    }

    private static void drain(java.io.InputStream in) {
        try (BufferedReader r =
                new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                LOG.info("js stderr: {}", line);
            }
        } catch (IOException e) {
            // process ended
        }
    }

    /**
     * Sends a command; {@code args} are name/value pairs of strings.
     *
     * @return the reply line
     * @throws AssertionError when the JS side reports an error
     */
    String call(String cmd, String... args) throws Exception {
        int id = ids.incrementAndGet();
        StringBuilder sb =
                new StringBuilder("{\"id\":")
                        .append(id)
                        .append(",\"cmd\":\"")
                        .append(cmd)
                        .append('"');
        for (int i = 0; i < args.length; i += 2) {
            sb.append(",\"")
                    .append(args[i])
                    .append("\":\"")
                    .append(args[i + 1].replace("\\", "\\\\").replace("\"", "\\\""))
                    .append('"');
        }
        sb.append("}\n");
        CompletableFuture<String> f = new CompletableFuture<>();
        pending.put(id, f);
        synchronized (stdin) {
            stdin.write(sb.toString());
            stdin.flush();
        }
        String reply = f.get(30, TimeUnit.SECONDS);
        if (!reply.contains("\"ok\":true")) {
            throw new AssertionError("js " + cmd + " failed: " + reply);
        }
        return reply;
    }

    static String field(String json, String name) {
        Matcher m =
                Pattern.compile(
                                "\""
                                        + Pattern.quote(name)
                                        + "\":(\"((?:[^\"\\\\]|\\\\.)*)\"|[-0-9.]+)")
                        .matcher(json);
        if (!m.find()) {
            return null;
        }
        return m.group(2) != null ? m.group(2) : m.group(1);
    }

    static List<String> array(String json, String name) {
        Matcher m =
                Pattern.compile("\"" + Pattern.quote(name) + "\":\\[([^\\]]*)\\]").matcher(json);
        if (!m.find() || m.group(1).isBlank()) {
            return List.of();
        }
        return Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"")
                .matcher(m.group(1))
                .results()
                .map(r -> r.group(1))
                .toList();
    }

    @Override
    public void close() throws IOException {
        try {
            stdin.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
