package ai.hanzo.node.p2p.internal.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityTest {
    // produced by @libp2p/crypto 5.1.23 + @libp2p/peer-id 6.0.15 from the seed 01..20
    private static final String JS_PRIVATE_KEY =
            "080112400102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
                    + "79b5562e8fe654f94078b112e8a98ba7901f853ae695bed7e0e3910bad049664";
    private static final String JS_PEER_ID = "12D3KooWJ1TsijH7H5F74hfAD5XishQz3sxrmAtVY37GtNd9CqYf";
    private static final String JS_CID =
            "bafzaajaiaejca6nvkyxi7zsu7fahrmis5cuyxj4qd6ctvzuvx3l6by4rbowqjfte";

    @Test
    void peerIdMatchesJsLibp2pForTheSameKey() {
        byte[] seed = new byte[32];
        for (int i = 0; i < 32; i++) {
            seed[i] = (byte) (i + 1);
        }
        IdentityKey key = IdentityKey.fromSeed(seed);
        assertEquals(JS_PRIVATE_KEY, HexFormat.of().formatHex(key.toProtobuf()));
        assertEquals(JS_PEER_ID, key.peerId().toBase58());
        assertEquals(JS_CID, key.peerId().toCid());
        assertEquals(
                key.peerId(),
                IdentityKey.fromProtobuf(HexFormat.of().parseHex(JS_PRIVATE_KEY)).peerId());
    }

    @Test
    void peerIdTextFormsRoundTrip() {
        PeerId id = IdentityKey.generate().peerId();
        assertEquals(id, PeerId.parse(id.toBase58()));
        assertEquals(id, PeerId.parse(id.toCid()));
        assertEquals(id, PeerId.fromBytes(id.toBytes()));
        assertTrue(id.toBase58().startsWith("12D3KooW"));
        assertThrows(IllegalArgumentException.class, () -> PeerId.parse("12D3KooW0OIl"));
        assertThrows(IllegalArgumentException.class, () -> PeerId.parse("bafyreigh2akiscaildc"));
    }

    @Test
    void signaturesVerifyOnlyForTheSignedData() {
        IdentityKey key = IdentityKey.generate();
        byte[] sig = key.sign("hello".getBytes());
        assertTrue(IdentityKey.verify(key.publicKeyProtobuf(), "hello".getBytes(), sig));
        assertFalse(IdentityKey.verify(key.publicKeyProtobuf(), "hellO".getBytes(), sig));
        assertFalse(
                IdentityKey.verify(
                        IdentityKey.generate().publicKeyProtobuf(), "hello".getBytes(), sig));
        assertFalse(IdentityKey.verify(new byte[] {1, 2, 3}, "hello".getBytes(), sig));
    }

    @Test
    void aDecodedKeyVerifiesLikeTheProtobufOne() {
        IdentityKey key = IdentityKey.generate();
        byte[] sig = key.sign("hello".getBytes());
        IdentityKey.Verifier verifier = IdentityKey.verifier(key.publicKeyProtobuf());
        assertTrue(verifier.verify("hello".getBytes(), sig));
        assertTrue(verifier.verify("hello".getBytes(), sig), "usable again");
        assertFalse(verifier.verify("hellO".getBytes(), sig));
        byte[] flipped = sig.clone();
        flipped[40] ^= 1;
        assertFalse(verifier.verify("hello".getBytes(), flipped));
        assertFalse(verifier.verify("hello".getBytes(), Arrays.copyOf(sig, 63)));
        assertFalse(verifier.verify("hello".getBytes(), null));
        assertFalse(
                IdentityKey.verifier(IdentityKey.generate().publicKeyProtobuf())
                        .verify("hello".getBytes(), sig));
        assertNull(IdentityKey.verifier(new byte[] {1, 2, 3}), "not a key");
        // y = 2 is not on the curve: the key is refused when decoded, not at each message
        byte[] offCurve = new byte[32];
        offCurve[0] = 2;
        assertNull(IdentityKey.verifier(IdentityKey.encodePublicKey(offCurve)));
    }

    @Test
    void keyFileIsStableAcrossRestartsAndOwnerOnly(@TempDir Path dir) throws Exception {
        IdentityKeyFile file = new IdentityKeyFile(dir);
        PeerId first = file.loadOrCreate().peerId();
        assertEquals(first, new IdentityKeyFile(dir).loadOrCreate().peerId());
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path())));
        Files.setPosixFilePermissions(file.path(), PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals(first, new IdentityKeyFile(dir).loadOrCreate().peerId());
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path())));
        assertFalse(
                IdentityKey.fromProtobuf(Files.readAllBytes(file.path()))
                        .toString()
                        .contains("seed"));
    }

    @Test
    void multiaddrsRoundTripTextAndBinary() {
        PeerId id = IdentityKey.generate().peerId();
        for (String text :
                new String[] {
                    "/ip4/127.0.0.1/tcp/9000",
                    "/ip6/::1/tcp/4001/p2p/" + id,
                    "/dns4/example.org/tcp/443",
                    "/dns/boot.hanzo.ai/tcp/9000/p2p/" + id,
                    "/dnsaddr/bootstrap.libp2p.io",
                    "/ip6/2001:db8::1/tcp/1",
                    "/dns6/x.y/tcp/65535"
                }) {
            Multiaddr m = Multiaddr.parse(text);
            assertEquals(m, Multiaddr.fromBytes(m.toBytes()), text);
            assertEquals(m, Multiaddr.parse(m.toString()), text);
        }
        Multiaddr m = Multiaddr.parse("/ip4/127.0.0.1/tcp/9000/ipfs/" + id);
        assertEquals("/ip4/127.0.0.1/tcp/9000/p2p/" + id, m.toString());
        assertEquals(id, m.peerId().orElseThrow());
        assertEquals("/ip4/127.0.0.1/tcp/9000", m.withoutPeerId().toString());
        // /ip4/127.0.0.1/tcp/4001 in its binary form
        assertArrayEquals(
                HexFormat.of().parseHex("047f000001060fa1"),
                Multiaddr.parse("/ip4/127.0.0.1/tcp/4001").toBytes());
        assertThrows(IllegalArgumentException.class, () -> Multiaddr.parse("/ip4/300.0.0.1/tcp/1"));
        assertThrows(
                IllegalArgumentException.class, () -> Multiaddr.parse("/ip4/1.2.3.4/tcp/70000"));
        assertThrows(IllegalArgumentException.class, () -> Multiaddr.parse("/udp/1"));
        assertThrows(IllegalArgumentException.class, () -> Multiaddr.parse("ip4/1.2.3.4"));
        assertThrows(IllegalArgumentException.class, () -> Multiaddr.parse("/ip4"));
    }

    @Test
    void base58AndBase32KeepLeadingZeros() {
        byte[] data = {0, 0, 1, 2, (byte) 255};
        assertArrayEquals(data, Base58.decode(Base58.encode(data)));
        assertArrayEquals(data, Base32.decode(Base32.encode(data)));
        assertEquals("11", Base58.encode(new byte[2]));
    }

    @Test
    void base58EncodesAsTheArbitraryPrecisionDefinitionSays() {
        // the known vector, then random lengths and leading zeros against BigInteger arithmetic
        assertEquals(
                "StV1DL6CwTryKyV",
                Base58.encode("hello world".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        assertEquals("", Base58.encode(new byte[0]));
        java.util.Random r = new java.util.Random(58);
        for (int i = 0; i < 2000; i++) {
            byte[] data = new byte[r.nextInt(70)];
            r.nextBytes(data);
            for (int z = r.nextInt(3); z > 0 && z <= data.length; z--) {
                data[z - 1] = 0;
            }
            StringBuilder expected = new StringBuilder();
            java.math.BigInteger n = new java.math.BigInteger(1, data);
            while (n.signum() > 0) {
                expected.append(
                        "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
                                .charAt(n.mod(java.math.BigInteger.valueOf(58)).intValue()));
                n = n.divide(java.math.BigInteger.valueOf(58));
            }
            for (int k = 0; k < data.length && data[k] == 0; k++) {
                expected.append('1');
            }
            assertEquals(expected.reverse().toString(), Base58.encode(data));
            assertArrayEquals(data, Base58.decode(Base58.encode(data)));
        }
    }
}
