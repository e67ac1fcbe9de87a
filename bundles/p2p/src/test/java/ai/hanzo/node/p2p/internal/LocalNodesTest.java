package ai.hanzo.node.p2p.internal;

import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.pubsub.GossipsubConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the tests that run several Java nodes in this JVM: one shared event loop; nodes and
 * whatever else a test registers are closed after each test, newest first.
 */
public abstract class LocalNodesTest {
    private static NioEventLoopGroup group;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void startGroup() {
        group = new NioEventLoopGroup(2);
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    /**
     * @return the event loop the nodes share, for hand-made hosts of a test
     */
    protected static EventLoopGroup group() {
        return group;
    }

    /** Starts a node with a fresh identity and default gossipsub; it is closed after the test. */
    protected P2pNode start(P2pNode.Settings settings) {
        return start(settings, GossipsubConfig.defaults());
    }

    /**
     * Starts a node with a fresh identity and the given gossipsub configuration; it is closed after
     * the test.
     */
    protected P2pNode start(P2pNode.Settings settings, GossipsubConfig gossip) {
        return closeAfter(new P2pNode(IdentityKey.generate(), settings, group, gossip).start());
    }

    /**
     * @return {@code c}, which is closed after the test, before anything registered earlier
     */
    protected <T extends AutoCloseable> T closeAfter(T c) {
        closing.add(c);
        return c;
    }
}
