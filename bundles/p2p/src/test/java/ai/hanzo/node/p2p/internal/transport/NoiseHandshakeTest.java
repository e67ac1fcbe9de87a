package ai.hanzo.node.p2p.internal.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import org.junit.jupiter.api.Test;

class NoiseHandshakeTest {
    private final IdentityKey alice = IdentityKey.generate();
    private final IdentityKey bob = IdentityKey.generate();

    @Test
    void bothSidesLearnTheOtherIdentityAndShareTransportKeys() throws Exception {
        NoiseHandshake i = new NoiseHandshake(true, alice);
        NoiseHandshake r = new NoiseHandshake(false, bob);
        r.readMessageA(i.writeMessageA());
        i.readMessageB(r.writeMessageB());
        r.readMessageC(i.writeMessageC());
        assertEquals(bob.peerId(), i.remotePeer());
        assertEquals(alice.peerId(), r.remotePeer());
        NoiseCipherState[] ic = i.split();
        NoiseCipherState[] rc = r.split();
        byte[] msg = "over noise".getBytes();
        assertArrayEquals(msg, rc[1].decrypt(null, ic[0].encrypt(null, msg)));
        assertArrayEquals(msg, ic[1].decrypt(null, rc[0].encrypt(null, msg)));
    }

    @Test
    void anImpostorSignatureIsRejected() {
        NoiseHandshake i = new NoiseHandshake(true, alice);
        NoiseHandshake impostor = new NoiseHandshake(false, bob, IdentityKey.generate());
        impostor.readMessageA(i.writeMessageA());
        NoiseException e =
                assertThrows(NoiseException.class, () -> i.readMessageB(impostor.writeMessageB()));
        assertTrue(e.getMessage().contains("signature"), e.getMessage());
    }

    @Test
    void aTamperedHandshakeMessageDoesNotAuthenticate() {
        NoiseHandshake i = new NoiseHandshake(true, alice);
        NoiseHandshake r = new NoiseHandshake(false, bob);
        r.readMessageA(i.writeMessageA());
        byte[] b = r.writeMessageB();
        b[b.length - 1] ^= 1;
        assertThrows(NoiseException.class, () -> i.readMessageB(b));
        assertThrows(
                NoiseException.class,
                () -> new NoiseHandshake(false, bob).readMessageA(new byte[5]));
    }
}
