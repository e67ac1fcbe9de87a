package ai.hanzo.node.p2p.internal;

import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import io.netty.channel.nio.NioEventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** Base of the tests that run several Java nodes in this JVM: one shared event loop, nodes closed after each test. */
abstract class LocalNodesTest {
    private static NioEventLoopGroup group;
    private final List<P2pNode> nodes = new ArrayList<>();

    @BeforeAll
    static void startGroup() {
        group = new NioEventLoopGroup(2);
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void closeNodes() {
        nodes.forEach(P2pNode::close);
    }

    /** Starts a node with a fresh identity; it is closed after the test. */
    P2pNode start(P2pNode.Settings settings) {
        P2pNode node = new P2pNode(IdentityKey.generate(), settings, group).start();
        nodes.add(node);
        return node;
    }
}
