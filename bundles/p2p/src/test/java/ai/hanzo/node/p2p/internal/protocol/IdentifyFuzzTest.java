package ai.hanzo.node.p2p.internal.protocol;

import ai.hanzo.node.p2p.internal.codec.Fuzz;
import ai.hanzo.node.p2p.internal.codec.ProtoWriter;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdentifyFuzzTest {
    @Test
    void identifyMessagesFromAnotherKeyOrGarbageAreRejectedCleanly() {
        IdentityKey k = IdentityKey.generate();
        byte[] msg =
                new ProtoWriter()
                        .string(5, "ipfs/0.1.0")
                        .string(6, "x")
                        .bytes(1, k.publicKeyProtobuf())
                        .bytes(2, Multiaddr.parse("/ip4/1.2.3.4/tcp/1").toBytes())
                        .string(3, "/ipfs/ping/1.0.0")
                        .toByteArray();
        IdentifyProtocol.decode(msg, k.peerId());
        org.junit.jupiter.api.Assertions.assertThrows(
                ai.hanzo.node.p2p.internal.codec.MalformedInputException.class,
                () -> IdentifyProtocol.decode(msg, IdentityKey.generate().peerId()));
        Fuzz.run("identify", 9, 20_000, List.of(msg), b -> IdentifyProtocol.decode(b, k.peerId()));
    }
}
