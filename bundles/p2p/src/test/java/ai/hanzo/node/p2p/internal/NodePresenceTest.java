package ai.hanzo.node.p2p.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.p2p.PeerInfo;
import ai.hanzo.node.api.p2p.ProviderKeys;
import ai.hanzo.node.api.p2p.RemoteNode;
import ai.hanzo.node.api.p2p.Topics;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import ai.hanzo.node.p2p.internal.presence.NodeAnnouncement;
import ai.hanzo.node.p2p.internal.presence.NodeAnnouncement.DeploymentChanged;
import ai.hanzo.node.p2p.internal.presence.NodePresence;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Heartbeats, announcements and DHT-provided capabilities between real nodes on loopback. */
class NodePresenceTest extends LocalNodesTest {
    private static final Duration HOUR = Duration.ofHours(1);
    private final List<NodePresence> presences = new ArrayList<>();
    private final List<ScheduledExecutorService> threads = new ArrayList<>();

    @AfterEach
    void closePresences() throws InterruptedException {
        presences.forEach(NodePresence::close);
        for (ScheduledExecutorService t : threads) {
            t.shutdownNow();
            t.awaitTermination(2, TimeUnit.SECONDS);
        }
    }

    private P2pNode node() {
        return start(
                new P2pNode.Settings(
                        Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
                        List.of(),
                        Libp2pHost.Limits.defaults(),
                        Duration.ofMillis(200)));
    }

    private NodePresence presence(P2pNode node, String nodeId, String network, Duration interval) {
        ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor();
        threads.add(t);
        NodePresence p =
                new NodePresence(
                                node,
                                nodeId,
                                network,
                                interval,
                                t,
                                Clock.systemUTC(),
                                P2pNode.AGENT)
                        .start();
        presences.add(p);
        return p;
    }

    /**
     * Waits until {@code from} knows that {@code to} listens on {@code topic}, so a publish reaches
     * it.
     */
    private static void awaitTopicPeer(P2pNode from, P2pNode to, String topic) {
        PeerId target = PeerId.parse(to.localPeerId());
        await().atMost(Duration.ofSeconds(15))
                .until(() -> from.pubsub().topicPeers(topic).join().contains(target));
    }

    /** Waits until {@code observer}'s directory shows {@code node} as {@code expected} says. */
    private static void awaitSeen(
            NodePresence observer, P2pNode node, Predicate<RemoteNode> expected) {
        await().atMost(Duration.ofSeconds(15))
                .until(() -> observer.node(node.localPeerId()).map(expected::test).orElse(false));
    }

    private record Pair(P2pNode a, P2pNode b, NodePresence pa, NodePresence pb) {}

    /**
     * Two nodes of network "net" with hour-long heartbeats, b connected to a and a knowing b
     * listens for announcements.
     */
    private Pair connectedPair() {
        P2pNode a = node();
        P2pNode b = node();
        NodePresence pa = presence(a, "node-a", "net", HOUR);
        NodePresence pb = presence(b, "node-b", "net", HOUR);
        b.connect(a.listenAddresses().get(0)).toCompletableFuture().join();
        awaitTopicPeer(a, b, Topics.DEPLOYMENTS);
        return new Pair(a, b, pa, pb);
    }

    @Test
    void nodesOfOneNetworkSeeEachOthersHeartbeatsAndIgnoreOtherNetworks() {
        P2pNode a = node();
        P2pNode b = node();
        P2pNode c = node();
        NodePresence pa = presence(a, "node-a", "net-1", Duration.ofMillis(300));
        NodePresence pb = presence(b, "node-b", "net-1", Duration.ofMillis(300));
        NodePresence pc = presence(c, "node-c", "net-2", Duration.ofMillis(300));
        pa.capabilities(Set.of("runtime:process", "model:minilm"));
        b.connect(a.listenAddresses().get(0)).toCompletableFuture().join();
        c.connect(a.listenAddresses().get(0)).toCompletableFuture().join();
        await().atMost(Duration.ofSeconds(15))
                .until(
                        () ->
                                pb.node(a.localPeerId())
                                                .map(n -> !n.endpoints().isEmpty())
                                                .orElse(false)
                                        && pa.node(b.localPeerId()).isPresent());
        RemoteNode got = pb.node(a.localPeerId()).orElseThrow();
        assertEquals("node-a", got.nodeId());
        assertEquals(List.of("model:minilm", "runtime:process"), got.capabilities());
        assertEquals(a.listenAddresses(), got.endpoints());
        assertEquals(P2pNode.AGENT, got.agent());
        // c is on another network: a and b ignore it, it ignores them
        assertTrue(pa.node(c.localPeerId()).isEmpty() && pc.nodes().isEmpty());
    }

    @Test
    void aHeartbeatFilterKeepsRefusedPeersOutOfTheDirectory() {
        P2pNode a = node();
        P2pNode b = node();
        P2pNode c = node();
        Set<String> asked = java.util.concurrent.ConcurrentHashMap.newKeySet();
        NodePresence pa =
                presence(a, "node-a", "net", Duration.ofMillis(300))
                        .acceptHeartbeatsFrom(
                                peer -> {
                                    asked.add(peer);
                                    return peer.equals(b.localPeerId());
                                });
        presence(b, "node-b", "net", Duration.ofMillis(300));
        presence(c, "node-c", "net", Duration.ofMillis(300));
        b.connect(a.listenAddresses().get(0)).toCompletableFuture().join();
        c.connect(a.listenAddresses().get(0)).toCompletableFuture().join();
        // a has seen a heartbeat of each and refused c's: only b is in its directory
        await().atMost(Duration.ofSeconds(15))
                .until(
                        () ->
                                asked.contains(c.localPeerId())
                                        && pa.node(b.localPeerId()).isPresent());
        assertTrue(pa.node(c.localPeerId()).isEmpty());
        assertEquals(1, pa.nodes().size());
    }

    @Test
    void aCapabilityChangeIsAnnouncedAtOnceNotAtTheNextHeartbeat() {
        Pair pair = connectedPair();
        P2pNode a = pair.a();
        NodePresence pa = pair.pa();
        NodePresence pb = pair.pb();
        List<RemoteNode> seen = new CopyOnWriteArrayList<>();
        pb.onChange(seen::add);

        pa.capabilities(Set.of("runtime:process"));
        awaitSeen(pb, a, n -> n.capabilities().equals(List.of("runtime:process")));
        pa.capabilities(Set.of("runtime:process", "engine:onnxruntime"));
        awaitSeen(
                pb,
                a,
                n -> n.capabilities().equals(List.of("engine:onnxruntime", "runtime:process")));
        pa.capabilities(Set.of("engine:onnxruntime"));
        awaitSeen(pb, a, n -> n.capabilities().equals(List.of("engine:onnxruntime")));
        assertEquals("node-a", pb.node(a.localPeerId()).orElseThrow().nodeId());
        assertTrue(seen.size() >= 3, "each change told the directory's listeners: " + seen);
        assertEquals(Set.of("engine:onnxruntime"), pa.localCapabilities());
    }

    @Test
    void deploymentStatesAreAnnouncedAndARemovedDeploymentLeavesTheDirectory() {
        Pair pair = connectedPair();
        P2pNode a = pair.a();
        NodePresence pa = pair.pa();
        NodePresence pb = pair.pb();

        pa.deploymentChanged("d-1", "CREATING", "");
        pa.deploymentChanged("d-1", "RUNNING", "");
        pa.deploymentChanged("d-2", "FAILED", "image not found");
        awaitSeen(pb, a, n -> n.deployments().equals(Map.of("d-1", "RUNNING", "d-2", "FAILED")));
        pa.deploymentChanged("d-2", "REMOVING", "removed by the operator");
        awaitSeen(pb, a, n -> n.deployments().equals(Map.of("d-1", "RUNNING")));
    }

    @Test
    void staleAndGarbageAnnouncementsChangeNothing() {
        Pair pair = connectedPair();
        P2pNode a = pair.a();
        NodePresence pa = pair.pa();
        NodePresence pb = pair.pb();
        pa.deploymentChanged("d-1", "RUNNING", "");
        awaitSeen(pb, a, n -> n.deployments().equals(Map.of("d-1", "RUNNING")));

        // signed by a, so they are a's, but one is older than what b has and the other is not
        // protobuf
        a.publish(
                        Topics.DEPLOYMENTS,
                        new NodeAnnouncement(
                                        "node-a",
                                        "net",
                                        1,
                                        1,
                                        new DeploymentChanged("d-1", "FAILED", "replayed"))
                                .encode())
                .toCompletableFuture()
                .join();
        a.publish(Topics.DEPLOYMENTS, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff})
                .toCompletableFuture()
                .join();
        // a later, valid one is applied: both above were processed before it, in order
        pa.deploymentChanged("d-3", "PENDING", "");
        awaitSeen(pb, a, n -> n.deployments().containsKey("d-3"));
        assertEquals("RUNNING", pb.node(a.localPeerId()).orElseThrow().deployments().get("d-1"));
    }

    @Test
    void capabilitiesAreProvidedInTheDhtOnceAPeerCanTakeThemAndFoundByOthers() {
        P2pNode a = node();
        NodePresence pa = presence(a, "node-a", "net", Duration.ofMillis(300));
        // no peer yet: the provide fails and is retried at each heartbeat
        pa.capabilities(Set.of("model:minilm"));
        P2pNode b = node();
        P2pNode c = node();
        b.connect(a.listenAddresses().get(0)).toCompletableFuture().join();
        c.connect(b.listenAddresses().get(0)).toCompletableFuture().join();
        byte[] key = ProviderKeys.capability("net", "model:minilm");
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () ->
                                c
                                        .findProviders(key, 1, Duration.ofSeconds(5))
                                        .toCompletableFuture()
                                        .join()
                                        .stream()
                                        .map(PeerInfo::peerId)
                                        .anyMatch(a.localPeerId()::equals));
        // another network's key for the same capability is not a's
        List<PeerInfo> other =
                c.findProviders(
                                ProviderKeys.capability("other-net", "model:minilm"),
                                1,
                                Duration.ofSeconds(2))
                        .toCompletableFuture()
                        .join();
        assertFalse(
                other.stream().anyMatch(p -> p.peerId().equals(a.localPeerId())), other.toString());
    }
}
