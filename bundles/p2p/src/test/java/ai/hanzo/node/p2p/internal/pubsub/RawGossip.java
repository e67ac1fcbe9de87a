package ai.hanzo.node.p2p.internal.pubsub;

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
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Hand-made gossipsub traffic for tests that play a peer the router must judge. */
final class RawGossip {
    private RawGossip() {}

    /** A gossipsub stream from {@code from} to {@code to} that a test writes raw RPCs on. */
    static YamuxStream stream(Libp2pHost from, P2pNode to) throws Exception {
        Connection c =
                from.dial(Multiaddr.parse(to.listenAddresses().get(0))).get(10, TimeUnit.SECONDS);
        return from.newStream(
                        c,
                        List.of(Gossipsub.MESHSUB_11),
                        new StreamHandler() {
                            @Override
                            public void onData(YamuxStream stream, ByteBuf in) {
                                in.skipBytes(in.readableBytes());
                            }
                        })
                .get(10, TimeUnit.SECONDS);
    }

    static void send(YamuxStream s, PubsubRpc rpc) {
        s.write(LengthPrefixed.encode(Unpooled.buffer().alloc(), rpc.encode()));
    }

    /**
     * A message of {@code author} on "t", signed by {@code signer} (a forgery when they differ).
     */
    static PubsubRpc.Message signed(IdentityKey author, IdentityKey signer, long seqno) {
        byte[] seq = ByteBuffer.allocate(8).putLong(seqno).array();
        PubsubRpc.Message unsigned =
                new PubsubRpc.Message(
                        author.peerId().toBytes(), new byte[] {1}, seq, "t", null, null);
        byte[] prefix = "libp2p-pubsub:".getBytes();
        byte[] body = unsigned.signedBytes();
        byte[] toSign = Arrays.copyOf(prefix, prefix.length + body.length);
        System.arraycopy(body, 0, toSign, prefix.length, body.length);
        return new PubsubRpc.Message(
                author.peerId().toBytes(), new byte[] {1}, seq, "t", signer.sign(toSign), null);
    }
}
