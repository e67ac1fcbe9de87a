package ai.hanzo.node.p2p.internal.pubsub;

import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import io.netty.channel.nio.NioEventLoopGroup;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Gossip tests' peers on loopback: started nodes and raw hosts on one shared event loop, closed in
 * reverse order of creation, then the loop.
 */
final class LoopbackPeers {
    private final NioEventLoopGroup group = new NioEventLoopGroup(1);
    private final Deque<AutoCloseable> opened = new ArrayDeque<>();

    /** A started node with the default gossip parameters. */
    P2pNode node() {
        return node(GossipsubConfig.defaults());
    }

    /** A started node with these gossip parameters. */
    P2pNode node(GossipsubConfig gossip) {
        P2pNode node =
                new P2pNode(
                                IdentityKey.generate(),
                                new P2pNode.Settings(
                                        Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
                                        List.of(),
                                        Libp2pHost.Limits.defaults(),
                                        Duration.ofMillis(200)),
                                group,
                                gossip)
                        .start();
        opened.push(node::close);
        return node;
    }

    /** A bare libp2p host, for sending hand-made gossip frames. */
    Libp2pHost host() {
        Libp2pHost host =
                new Libp2pHost(IdentityKey.generate(), group, Libp2pHost.Limits.defaults());
        opened.push(host::close);
        return host;
    }

    /** Closes every node and host, newest first, then stops the event loop. */
    void close() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
