package ai.hanzo.node.p2p.internal.kad;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.hanzo.node.p2p.internal.codec.Fuzz;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import java.util.List;
import org.junit.jupiter.api.Test;

class KadMessageFuzzTest {
    @Test
    void messagesRoundTripAndGarbageIsRejectedCleanly() {
        KadMessage.Peer p =
                new KadMessage.Peer(
                        IdentityKey.generate().peerId(),
                        List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/5")));
        KadMessage m =
                new KadMessage(
                        KadMessage.GET_PROVIDERS,
                        new byte[] {1, 2},
                        new KadMessage.Record(new byte[] {1}, new byte[] {2}, "t"),
                        List.of(p),
                        List.of(p));
        KadMessage back = KadMessage.decode(m.encode());
        assertEquals(p, back.providerPeers().get(0));
        assertEquals(KadMessage.GET_PROVIDERS, back.type());
        Fuzz.run("kad message", 8, 20_000, List.of(m.encode()), KadMessage::decode);
    }
}
