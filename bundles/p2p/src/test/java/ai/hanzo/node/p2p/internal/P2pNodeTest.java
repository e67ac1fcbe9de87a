package ai.hanzo.node.p2p.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.p2p.PeerInfo;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.protocol.IdentifyProtocol;
import ai.hanzo.node.p2p.internal.protocol.PingProtocol;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class P2pNodeTest extends LocalNodesTest {

    private P2pNode node(String listen) {
        return start(
                new P2pNode.Settings(
                        Multiaddr.parse(listen), List.of(), Libp2pHost.Limits.defaults()));
    }

    @Test
    void nodesConnectIdentifyAndPingBothWays() {
        P2pNode a = node("/ip4/127.0.0.1/tcp/0");
        P2pNode b = node("/ip6/::1/tcp/0");
        PeerInfo info = a.connect(b.listenAddresses().get(0)).toCompletableFuture().join();
        assertEquals(b.localPeerId(), info.peerId());
        assertTrue(info.connected());
        assertTrue(
                info.protocols()
                        .containsAll(
                                List.of(
                                        PingProtocol.ID,
                                        IdentifyProtocol.ID,
                                        IdentifyProtocol.PUSH)),
                info.protocols().toString());
        assertEquals(P2pNode.AGENT, info.agentVersion());
        assertEquals(
                b.listenAddresses().get(0), info.addresses().get(0) + "/p2p/" + b.localPeerId());
        Duration rtt = a.ping(b.localPeerId()).toCompletableFuture().join();
        assertTrue(rtt.toMillis() < 5000);
        // the listener identified the dialer too and can ping back over the same connection
        await().atMost(Duration.ofSeconds(10))
                .until(
                        () ->
                                b.peers().stream()
                                        .anyMatch(
                                                p ->
                                                        p.peerId().equals(a.localPeerId())
                                                                && !p.protocols().isEmpty()));
        b.ping(a.localPeerId()).toCompletableFuture().join();
        assertEquals(1, a.host().connections().size());
    }

    @Test
    void anIpv4WildcardListenerAnnouncesItsIpv4InterfaceAddresses() {
        // a dual-stack JVM binds 0.0.0.0 as the IPv6 wildcard; the node must still announce IPv4
        // addresses
        P2pNode n = node("/ip4/0.0.0.0/tcp/0");
        List<String> addrs = n.listenAddresses();
        assertTrue(
                addrs.stream().anyMatch(a -> a.startsWith("/ip4/127.0.0.1/tcp/")),
                addrs.toString());
        assertTrue(
                addrs.stream()
                        .allMatch(a -> a.startsWith("/ip4/") && !a.startsWith("/ip4/0.0.0.0/")),
                addrs.toString());
        // and a peer can reach it on loopback through what it announces
        P2pNode other = node("/ip4/127.0.0.1/tcp/0");
        String loopback =
                addrs.stream()
                        .filter(a -> a.startsWith("/ip4/127.0.0.1/"))
                        .findFirst()
                        .orElseThrow();
        assertEquals(
                n.localPeerId(), other.connect(loopback).toCompletableFuture().join().peerId());
    }

    @Test
    void manyNodesInOneJvmFormAStar() {
        P2pNode hub = node("/ip4/127.0.0.1/tcp/0");
        List<P2pNode> spokes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            spokes.add(node("/ip4/127.0.0.1/tcp/0"));
        }
        spokes.parallelStream()
                .forEach(s -> s.connect(hub.listenAddresses().get(0)).toCompletableFuture().join());
        await().atMost(Duration.ofSeconds(20)).until(() -> hub.host().connections().size() == 8);
        for (P2pNode s : spokes) {
            hub.ping(s.localPeerId()).toCompletableFuture().join();
        }
    }

    @Test
    void dialingTheWrongPeerIdFails() {
        P2pNode a = node("/ip4/127.0.0.1/tcp/0");
        P2pNode b = node("/ip4/127.0.0.1/tcp/0");
        String wrong =
                Multiaddr.parse(b.listenAddresses().get(0))
                        .withPeerId(IdentityKey.generate().peerId())
                        .toString();
        var f = a.connect(wrong).toCompletableFuture();
        var e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        java.util.concurrent.CompletionException.class, f::join);
        assertTrue(e.getCause().getMessage().contains("proved to be"), e.getCause().getMessage());
    }

    @Test
    void garbageOnAStreamAndUnknownProtocolsCloseOnlyThatStream() throws Exception {
        P2pNode a = node("/ip4/127.0.0.1/tcp/0");
        P2pNode b = node("/ip4/127.0.0.1/tcp/0");
        a.connect(b.listenAddresses().get(0)).toCompletableFuture().join();
        var conn =
                a.host()
                        .connection(
                                ai.hanzo.node.p2p.internal.identity.PeerId.parse(b.localPeerId()))
                        .orElseThrow();
        for (String protocol :
                List.of(
                        IdentifyProtocol.PUSH,
                        "/meshsub/1.1.0",
                        "/ipfs/kad/1.0.0",
                        "/no/such/protocol/1.0.0")) {
            java.util.concurrent.CompletableFuture<Void> closed =
                    new java.util.concurrent.CompletableFuture<>();
            a.host()
                    .newStream(
                            conn,
                            List.of(protocol),
                            new ai.hanzo.node.p2p.internal.transport.StreamHandler() {
                                @Override
                                public void onActive(
                                        ai.hanzo.node.p2p.internal.transport.YamuxStream stream) {
                                    // a length prefix of 5 followed by bytes that are not protobuf
                                    stream.write(
                                            io.netty.buffer.Unpooled.wrappedBuffer(
                                                    new byte[] {
                                                        5,
                                                        (byte) 0xff,
                                                        (byte) 0xff,
                                                        (byte) 0xff,
                                                        (byte) 0xff,
                                                        (byte) 0xff
                                                    }));
                                }

                                @Override
                                public void onData(
                                        ai.hanzo.node.p2p.internal.transport.YamuxStream stream,
                                        io.netty.buffer.ByteBuf in) {
                                    in.skipBytes(in.readableBytes());
                                }

                                @Override
                                public void onClosed(
                                        ai.hanzo.node.p2p.internal.transport.YamuxStream stream) {
                                    closed.complete(null);
                                }
                            });
            closed.get(10, TimeUnit.SECONDS);
        }
        // the connection itself is fine
        assertTrue(conn.isOpen());
        a.ping(b.localPeerId()).toCompletableFuture().join();
    }
}
