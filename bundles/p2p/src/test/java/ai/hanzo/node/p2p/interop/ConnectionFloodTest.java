package ai.hanzo.node.p2p.interop;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.p2p.PeerInfo;
import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The eclipse attack of issue 13, for real: hostile processes hold a thousand idle or
 * slow-handshake TCP connections to the node from one loopback address, and a few hundred each from
 * addresses in network namespaces the test creates (veth pairs), re-opening every connection the
 * node closes. Meanwhile a legitimate js-libp2p peer dials, is identified and gets gossip, and the
 * node's threads and memory stay where they were.
 */
class ConnectionFloodTest {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionFloodTest.class);
    private static final String TOPIC = "hanzo/flood/v1";
    private static final int NAMESPACES = 3;

    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    @Test
    void aLegitimatePeerGetsInWhileAttackersHoldThousandsOfConnections() throws Exception {
        NetNamespaces ns = new NetNamespaces(NAMESPACES);
        closeables.add(ns);
        Libp2pHost.Limits limits = Libp2pHost.Limits.defaults();
        P2pNode node =
                new P2pNode(
                                IdentityKey.generate(),
                                new P2pNode.Settings(
                                        Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
                                        List.of(),
                                        limits,
                                        Duration.ofMillis(500)),
                                null)
                        .start();
        closeables.add(0, node);
        Multiaddr loopback = Multiaddr.parse(node.listenAddresses().get(0));
        int port = loopback.tcpPort().orElseThrow();

        List<Attacker> attackers = new ArrayList<>();
        // one address, a thousand idle connections
        attackers.add(new Attacker(null, "127.0.0.1", port, 1000, "idle", "127.0.0.2"));
        for (int i = 0; i < NAMESPACES; i++) {
            Multiaddr m =
                    node.host()
                            .listen(Multiaddr.parse("/ip4/" + ns.hostSide(i) + "/tcp/0"))
                            .get(10, TimeUnit.SECONDS);
            attackers.add(
                    new Attacker(
                            ns.name(i),
                            ns.hostSide(i),
                            m.tcpPort().orElseThrow(),
                            300,
                            i % 2 == 0 ? "slow" : "idle",
                            ns.namespaceSide(i)));
        }
        closeables.addAll(attackers);
        JsPeer js = new JsPeer("identify,ping,pubsub");
        closeables.add(js);
        js.call("subscribe", "topic", TOPIC);
        List<String> got = new CopyOnWriteArrayList<>();
        Subscription sub =
                node.subscribe(TOPIC, m -> got.add(new String(m.data(), StandardCharsets.UTF_8)));

        long threadsBefore = nodeThreads();
        long heapBefore = heapAfterGc();
        long directBefore = directMemory();

        for (Attacker a : attackers) {
            a.go();
        }
        // every attacker has had its whole count accepted by the kernel and is re-opening
        await().atMost(Duration.ofSeconds(60))
                .until(() -> attackers.stream().allMatch(a -> a.opened.get() >= a.count));
        long openedBeforeDial = attackers.stream().mapToLong(a -> a.opened.get()).sum();

        // the legitimate peer: dial, identify both ways, mesh, gossip
        String reply = js.call("dial", "addr", node.listenAddresses().get(0));
        assertEquals(node.localPeerId(), JsPeer.field(reply, "peer"));
        await().atMost(Duration.ofSeconds(20))
                .until(
                        () ->
                                node.peers().stream()
                                        .filter(p -> p.peerId().equals(js.peerId))
                                        .map(PeerInfo::agentVersion)
                                        .anyMatch(a -> a.startsWith("js-libp2p")));
        await().atMost(Duration.ofSeconds(20))
                .until(
                        () ->
                                node.pubsub()
                                                .meshPeers(TOPIC)
                                                .join()
                                                .contains(PeerId.parse(js.peerId))
                                        && JsPeer.array(
                                                        js.call("meshPeers", "topic", TOPIC),
                                                        "peers")
                                                .contains(node.localPeerId()));
        node.publish(TOPIC, "through-the-flood".getBytes(StandardCharsets.UTF_8))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        js.call("publish", "topic", TOPIC, "data", "from-js");
        await().atMost(Duration.ofSeconds(20))
                .until(
                        () ->
                                js.events.stream()
                                                .anyMatch(
                                                        e ->
                                                                e.contains(
                                                                        "\"data\":\"through-the-flood\""))
                                        && got.contains("from-js"));

        // the attack went on all along: more connections were opened while the peer got in
        await().atMost(Duration.ofSeconds(30))
                .until(
                        () ->
                                attackers.stream().mapToLong(a -> a.opened.get()).sum()
                                        > openedBeforeDial + 500);
        long openedTotal = attackers.stream().mapToLong(a -> a.opened.get()).sum();
        // bounded state: never more pending than the cap, and only the js peer established
        assertTrue(
                node.host().pendingInbound() <= limits.maxPendingInbound(),
                "pending " + node.host().pendingInbound());
        assertEquals(1, node.host().connections().size());
        assertTrue(
                node.host().openChannels() <= limits.maxPendingInbound() + 1,
                "open channels " + node.host().openChannels());
        long threadsDuring = nodeThreads();
        long heapDuring = heapAfterGc();
        long directDuring = directMemory();
        LOG.info(
                "{} connections opened by the attackers; node threads {} -> {}, heap after GC {} -> {} KiB, direct {} -> {} KiB",
                openedTotal,
                threadsBefore,
                threadsDuring,
                heapBefore / 1024,
                heapDuring / 1024,
                directBefore / 1024,
                directDuring / 1024);
        // flat: independent of thousands of connections (a margin for JIT and pool threads)
        assertTrue(threadsDuring <= threadsBefore + 2, threadsBefore + " -> " + threadsDuring);
        assertTrue(
                heapDuring <= heapBefore + 48L * 1024 * 1024,
                "heap " + heapBefore + " -> " + heapDuring);
        assertTrue(
                directDuring <= directBefore + 64L * 1024 * 1024,
                "direct " + directBefore + " -> " + directDuring);

        // one aggregated line, naming the flooding addresses
        String line = node.host().problems().flush("test").orElseThrow();
        LOG.info("{}", line);
        assertTrue(line.contains("127.0.0.2"), line);
        assertTrue(line.contains("refused: "), line);
        Matcher total = Pattern.compile("Peer problems in the last test: (\\d+) ").matcher(line);
        assertTrue(total.find(), line);
        assertTrue(Long.parseLong(total.group(1)) >= 1000, line);
        sub.close();
    }

    /** Threads of this JVM that are not the test's own helpers. */
    private static long nodeThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .filter(n -> !n.startsWith("awaitility") && !n.startsWith("ForkJoinPool"))
                .count();
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long directMemory() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                        .filter(b -> b.getName().equals("direct"))
                        .mapToLong(BufferPoolMXBean::getMemoryUsed)
                        .sum()
                + io.netty.util.internal.PlatformDependent.usedDirectMemory();
    }

    /** src/test/js/hold-connections.mjs in a child process, in a namespace when one is named. */
    private static final class Attacker implements AutoCloseable {
        private static final Pattern OPENED = Pattern.compile("\"opened\":(\\d+)");
        final int count;
        final AtomicLong opened = new AtomicLong();
        private final Process process;
        private final Writer stdin;

        Attacker(String namespace, String host, int port, int count, String mode, String local)
                throws IOException {
            this.count = count;
            Path dir = Path.of(System.getProperty("p2p.js.dir", "src/test/js"));
            List<String> cmd = new ArrayList<>();
            if (namespace != null) {
                cmd.addAll(List.of("ip", "netns", "exec", namespace));
            }
            cmd.addAll(
                    List.of(
                            System.getProperty("p2p.node.executable", "node"),
                            "hold-connections.mjs",
                            host,
                            Integer.toString(port),
                            Integer.toString(count),
                            mode,
                            local));
            process =
                    new ProcessBuilder(cmd)
                            .directory(dir.toFile())
                            .redirectError(ProcessBuilder.Redirect.INHERIT)
                            .start();
            stdin =
                    new java.io.OutputStreamWriter(
                            process.getOutputStream(), StandardCharsets.UTF_8);
            Thread reader =
                    new Thread(
                            () -> {
                                try (BufferedReader r =
                                        new BufferedReader(
                                                new InputStreamReader(
                                                        process.getInputStream(),
                                                        StandardCharsets.UTF_8))) {
                                    String l;
                                    while ((l = r.readLine()) != null) {
                                        Matcher m = OPENED.matcher(l);
                                        if (m.find()) {
                                            opened.set(Long.parseLong(m.group(1)));
                                        }
                                    }
                                } catch (IOException e) {
                                    // the process ended
                                }
                            },
                            "attacker-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        void go() throws IOException {
            stdin.write("go\n");
            stdin.flush();
        }

        @Override
        public void close() {
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
}
