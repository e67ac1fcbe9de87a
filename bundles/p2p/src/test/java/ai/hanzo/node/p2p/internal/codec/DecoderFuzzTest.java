package ai.hanzo.node.p2p.internal.codec;

import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecoderFuzzTest {
    private static final int N = 20_000;

    @Test
    void varintAndFrameDecodersOnlyRejectCleanly() {
        Fuzz.run(
                "varint",
                1,
                N,
                List.of(Varint.encode(300), Varint.encode(Long.MAX_VALUE)),
                b -> Varint.tryRead(Unpooled.wrappedBuffer(b)));
        Fuzz.run(
                "length-prefixed",
                2,
                N,
                List.of(
                        io.netty.buffer.ByteBufUtil.getBytes(
                                LengthPrefixed.encode(Unpooled.buffer().alloc(), new byte[10]))),
                b -> LengthPrefixed.tryRead(Unpooled.wrappedBuffer(b), 1024));
    }

    @Test
    void protobufAndAddressDecodersOnlyRejectCleanly() {
        PeerId id = IdentityKey.generate().peerId();
        byte[] ma = Multiaddr.parse("/ip4/127.0.0.1/tcp/1/p2p/" + id).toBytes();
        Fuzz.run(
                "multiaddr",
                3,
                N,
                List.of(ma, Multiaddr.parse("/dns4/a.b/tcp/1").toBytes()),
                Multiaddr::fromBytes);
        Fuzz.run("peer id", 4, N, List.of(id.toBytes()), PeerId::fromBytes);
        Fuzz.run(
                "private key",
                5,
                N,
                List.of(IdentityKey.generate().toProtobuf()),
                IdentityKey::fromProtobuf);
        Fuzz.run(
                "proto reader",
                6,
                N,
                List.of(
                        new ProtoWriter()
                                .uint(1, 5)
                                .string(2, "x")
                                .bytes(3, new byte[3])
                                .toByteArray()),
                b -> {
                    ProtoReader r = new ProtoReader(b);
                    while (r.next()) {
                        r.skip();
                    }
                });
    }
}
