package ai.hanzo.node.p2p.internal.pubsub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.p2p.internal.codec.Fuzz;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class SignedPeerRecordTest {
    /** Sealed by js-libp2p (@libp2p/peer-record RecordEnvelope.seal) for the peer below, seq 5. */
    private static final String JS_PEER = "12D3KooWS7x8xGToR8gTbfGLxLh5gmko5w7NgcGorzewD4QgLYkn";

    private static final String JS_ENVELOPE =
            "0a2408011220f23c4609d97a1648fe994e1e844f588cc85f9b0f2ecce2165dcf861cf04915cf120203011a420a26"
                    + "002408011220f23c4609d97a1648fe994e1e844f588cc85f9b0f2ecce2165dcf861cf04915cf10051a0a0a0804c0000207060fa11a0a0a08047f00"
                    + "0001060fa22a40598d1003d0c9d85ff3238b59531eea2a34b91946c67fb0820a5e1d2cc2e77e6d8a02e931464030c6346d3a4902a4c1fb1c0fa4df"
                    + "464e22998c56763428117f09";

    @Test
    void opensARecordSealedByJsLibp2p() {
        SignedPeerRecord r =
                SignedPeerRecord.open(HexFormat.of().parseHex(JS_ENVELOPE), PeerId.parse(JS_PEER))
                        .orElseThrow();
        assertEquals(5, r.seq());
        assertEquals(
                List.of(
                        Multiaddr.parse("/ip4/192.0.2.7/tcp/4001"),
                        Multiaddr.parse("/ip4/127.0.0.1/tcp/4002")),
                r.addresses());
    }

    @Test
    void rejectsRecordsOfAnotherPeerTamperedOrGarbage() {
        IdentityKey key = IdentityKey.generate();
        List<Multiaddr> addrs = List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001"));
        byte[] sealed = SignedPeerRecord.seal(key, 9, addrs);
        assertEquals(addrs, SignedPeerRecord.open(sealed, key.peerId()).orElseThrow().addresses());
        // offered under someone else's id
        assertTrue(SignedPeerRecord.open(sealed, IdentityKey.generate().peerId()).isEmpty());
        // any flipped byte breaks the signature or the structure
        for (int i = 0; i < sealed.length; i++) {
            byte[] t = sealed.clone();
            t[i] ^= 0x01;
            assertTrue(
                    SignedPeerRecord.open(t, key.peerId()).isEmpty(),
                    "tampered byte " + i + " accepted");
        }
        Fuzz.run(
                "signed peer record",
                5,
                5_000,
                List.of(sealed),
                b -> SignedPeerRecord.open(b, key.peerId()));
    }
}
