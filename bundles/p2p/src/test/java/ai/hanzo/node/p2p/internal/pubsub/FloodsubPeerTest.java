package ai.hanzo.node.p2p.internal.pubsub;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.codec.LengthPrefixed;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.transport.Connection;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import ai.hanzo.node.p2p.internal.transport.StreamHandler;
import ai.hanzo.node.p2p.internal.transport.YamuxStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.nio.NioEventLoopGroup;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FloodsubPeerTest {
    @Test
    void aFloodsubOnlyPeerGetsMessagesAndNoControl() throws Exception {
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        P2pNode node =
                new P2pNode(
                                IdentityKey.generate(),
                                new P2pNode.Settings(
                                        Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
                                        List.of(),
                                        Libp2pHost.Limits.defaults(),
                                        Duration.ofMillis(200)),
                                group)
                        .start();
        Libp2pHost flood =
                new Libp2pHost(IdentityKey.generate(), group, Libp2pHost.Limits.defaults());
        List<PubsubRpc> received = new CopyOnWriteArrayList<>();
        flood.handle(
                Gossipsub.FLOODSUB,
                () ->
                        new StreamHandler() {
                            @Override
                            public void onData(YamuxStream stream, ByteBuf in) {
                                byte[] f;
                                while ((f = LengthPrefixed.tryRead(in, 1 << 20)) != null) {
                                    received.add(PubsubRpc.decode(f));
                                }
                            }
                        });
        try {
            Subscription sub = node.subscribe("t", m -> {});
            Connection c =
                    flood.dial(Multiaddr.parse(node.listenAddresses().get(0)))
                            .get(10, TimeUnit.SECONDS);
            YamuxStream s =
                    flood.newStream(
                                    c,
                                    List.of(Gossipsub.FLOODSUB),
                                    new StreamHandler() {
                                        @Override
                                        public void onData(YamuxStream stream, ByteBuf in) {
                                            in.skipBytes(in.readableBytes());
                                        }
                                    })
                            .get(10, TimeUnit.SECONDS);
            s.write(
                    LengthPrefixed.encode(
                            Unpooled.buffer().alloc(),
                            PubsubRpc.of(List.of(new PubsubRpc.SubOpts(true, "t")), List.of(), null)
                                    .encode()));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> node.pubsub().topicPeers("t").join().contains(flood.peerId()));
            node.publish("t", "hello".getBytes()).toCompletableFuture().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> received.stream().anyMatch(r -> !r.messages().isEmpty()));
            PubsubRpc.Message m =
                    received.stream()
                            .filter(r -> !r.messages().isEmpty())
                            .findFirst()
                            .orElseThrow()
                            .messages()
                            .get(0);
            assertEquals("t", m.topic());
            assertTrue(
                    received.stream().allMatch(r -> r.control().isEmpty()),
                    "a floodsub peer got gossipsub control");
            assertTrue(!node.pubsub().meshPeers("t").join().contains(flood.peerId()));
            sub.close();
        } finally {
            flood.close();
            node.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
