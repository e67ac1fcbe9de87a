package ai.hanzo.node.p2p.internal.transport;

import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.codec.ProtoReader;
import ai.hanzo.node.p2p.internal.codec.ProtoWriter;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Noise XX handshake ({@code Noise_XX_25519_ChaChaPoly_SHA256}, empty prologue) with the libp2p
 * handshake payload: each side sends its identity key and a signature over its static Noise key,
 * which the other side verifies. Three messages: A (initiator: e), B (responder: e, ee, s, es,
 * payload), C (initiator: s, se, payload).
 */
public final class NoiseHandshake {
    /** The multistream protocol id. */
    public static final String PROTOCOL = "/noise";

    private static final byte[] PROTOCOL_NAME =
            "Noise_XX_25519_ChaChaPoly_SHA256".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SIG_PREFIX =
            "noise-libp2p-static-key:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] X25519_X509_PREFIX = {
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00
    };

    private final boolean initiator;
    private final IdentityKey identity;
    private final IdentityKey signer;
    private final KeyPair s;
    private final KeyPair e;
    private byte[] ck;
    private byte[] h;
    private NoiseCipherState k;
    private byte[] re;
    private byte[] rs;
    private PeerId remotePeer;

    /**
     * @param initiator whether this side dialed
     */
    public NoiseHandshake(boolean initiator, IdentityKey identity) {
        this(initiator, identity, identity);
    }

    /** Tests only: announce {@code identity} but sign with {@code signer}, as an impostor would. */
    NoiseHandshake(boolean initiator, IdentityKey identity, IdentityKey signer) {
        this.initiator = initiator;
        this.identity = identity;
        this.signer = signer;
        this.s = x25519();
        this.e = x25519();
        this.h = PROTOCOL_NAME.clone(); // exactly 32 bytes: used as is
        this.ck = h.clone();
        mixHash(new byte[0]);
    }

    /**
     * @return the initiator's first message
     */
    public byte[] writeMessageA() {
        check(initiator);
        byte[] epub = raw(e);
        mixHash(epub);
        mixHash(new byte[0]); // empty payload, no key yet
        return epub;
    }

    /** Reads message A on the responder. */
    public void readMessageA(byte[] msg) {
        check(!initiator);
        if (msg.length < 32) {
            throw new NoiseException(
                    "Noise message A is " + msg.length + " bytes, expected at least 32");
        }
        re = Arrays.copyOf(msg, 32);
        mixHash(re);
        mixHash(Arrays.copyOfRange(msg, 32, msg.length));
    }

    /**
     * @return the responder's message B
     */
    public byte[] writeMessageB() {
        check(!initiator);
        byte[] epub = raw(e);
        mixHash(epub);
        mixKey(dh(e, re));
        byte[] encS = encryptAndHash(raw(s));
        mixKey(dh(s, re));
        byte[] encPayload = encryptAndHash(payload());
        return concat(epub, encS, encPayload);
    }

    /** Reads message B on the initiator and verifies the responder's identity. */
    public void readMessageB(byte[] msg) {
        check(initiator);
        if (msg.length < 32 + 48 + 16) {
            throw new NoiseException("Noise message B is too short (" + msg.length + " bytes)");
        }
        re = Arrays.copyOf(msg, 32);
        mixHash(re);
        mixKey(dh(e, re));
        rs = decryptAndHash(Arrays.copyOfRange(msg, 32, 80));
        mixKey(dh(e, rs));
        verifyPayload(decryptAndHash(Arrays.copyOfRange(msg, 80, msg.length)));
    }

    /**
     * @return the initiator's message C
     */
    public byte[] writeMessageC() {
        check(initiator);
        byte[] encS = encryptAndHash(raw(s));
        mixKey(dh(s, re));
        return concat(encS, encryptAndHash(payload()));
    }

    /** Reads message C on the responder and verifies the initiator's identity. */
    public void readMessageC(byte[] msg) {
        check(!initiator);
        if (msg.length < 48 + 16) {
            throw new NoiseException("Noise message C is too short (" + msg.length + " bytes)");
        }
        rs = decryptAndHash(Arrays.copyOf(msg, 48));
        mixKey(dh(e, rs));
        verifyPayload(decryptAndHash(Arrays.copyOfRange(msg, 48, msg.length)));
    }

    /**
     * @return the verified remote peer, after its payload was read
     */
    public PeerId remotePeer() {
        return remotePeer;
    }

    /**
     * @return {send, receive} cipher states for the transport phase
     */
    NoiseCipherState[] split() {
        byte[][] keys = hkdf(ck, new byte[0]);
        NoiseCipherState c1 = new NoiseCipherState(keys[0]);
        NoiseCipherState c2 = new NoiseCipherState(keys[1]);
        return initiator ? new NoiseCipherState[] {c1, c2} : new NoiseCipherState[] {c2, c1};
    }

    private byte[] payload() {
        byte[] sig = signer.sign(concat(SIG_PREFIX, raw(s)));
        return new ProtoWriter().bytes(1, identity.publicKeyProtobuf()).bytes(2, sig).toByteArray();
    }

    private void verifyPayload(byte[] payload) {
        byte[] key = null;
        byte[] sig = null;
        try {
            ProtoReader r = new ProtoReader(payload);
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> key = r.bytes();
                    case 2 -> sig = r.bytes();
                    default -> r.skip();
                }
            }
        } catch (MalformedInputException ex) {
            throw new NoiseException(
                    "the peer's Noise handshake payload is not valid protobuf: " + ex.getMessage());
        }
        if (key == null || sig == null) {
            throw new NoiseException(
                    "the peer's Noise handshake payload lacks its identity key or signature");
        }
        if (!IdentityKey.verify(key, concat(SIG_PREFIX, rs), sig)) {
            throw new NoiseException(
                    "the peer's signature over its Noise static key does not verify");
        }
        remotePeer = PeerId.fromPublicKey(key);
    }

    private void mixHash(byte[] data) {
        h = sha256(h, data);
    }

    private void mixKey(byte[] ikm) {
        byte[][] out = hkdf(ck, ikm);
        ck = out[0];
        k = new NoiseCipherState(out[1]);
    }

    private byte[] encryptAndHash(byte[] plaintext) {
        byte[] c = k == null ? plaintext : k.encrypt(h, plaintext);
        mixHash(c);
        return c;
    }

    private byte[] decryptAndHash(byte[] ciphertext) {
        byte[] p;
        try {
            p = k == null ? ciphertext : k.decrypt(h, ciphertext);
        } catch (AEADBadTagException ex) {
            throw new NoiseException("a Noise handshake message does not authenticate");
        }
        mixHash(ciphertext);
        return p;
    }

    private static byte[][] hkdf(byte[] chainingKey, byte[] ikm) {
        byte[] temp = hmac(chainingKey, ikm);
        byte[] out1 = hmac(temp, new byte[] {1});
        byte[] out2 = hmac(temp, concat(out1, new byte[] {2}));
        return new byte[][] {out1, out2};
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("HmacSHA256 missing from the JDK", ex);
        }
    }

    private static byte[] sha256(byte[] a, byte[] b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(a);
            md.update(b);
            return md.digest();
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("SHA-256 missing from the JDK", ex);
        }
    }

    private static KeyPair x25519() {
        try {
            return KeyPairGenerator.getInstance("X25519").generateKeyPair();
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("X25519 missing from the JDK", ex);
        }
    }

    private static byte[] raw(KeyPair kp) {
        byte[] enc = kp.getPublic().getEncoded();
        return Arrays.copyOfRange(enc, enc.length - 32, enc.length);
    }

    private static byte[] dh(KeyPair local, byte[] remotePublic) {
        try {
            PublicKey pub =
                    KeyFactory.getInstance("X25519")
                            .generatePublic(
                                    new X509EncodedKeySpec(
                                            concat(X25519_X509_PREFIX, remotePublic)));
            KeyAgreement ka = KeyAgreement.getInstance("X25519");
            ka.init(local.getPrivate());
            ka.doPhase(pub, true);
            return ka.generateSecret();
        } catch (GeneralSecurityException ex) {
            throw new NoiseException("the peer sent an unusable X25519 key: " + ex.getMessage());
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }

    private static void check(boolean ok) {
        if (!ok) {
            throw new IllegalStateException("Noise handshake step called on the wrong side");
        }
    }
}
