package ai.hanzo.node.p2p.internal.identity;

import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.codec.ProtoReader;
import ai.hanzo.node.p2p.internal.codec.ProtoWriter;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The node's Ed25519 libp2p identity key (RFC 8032 arithmetic from BouncyCastle, which verifies
 * about four times faster than the JDK 17 provider). {@link #toString()} never shows the private
 * part.
 */
public final class IdentityKey {
    /** libp2p crypto.proto KeyType.Ed25519. */
    static final int KEY_TYPE_ED25519 = 1;

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final byte[] publicRaw;
    private final byte[] seed;
    private final PeerId peerId;

    private IdentityKey(byte[] seed) {
        this.seed = seed.clone();
        this.publicRaw = new byte[Ed25519.PUBLIC_KEY_SIZE];
        Ed25519.generatePublicKey(this.seed, 0, publicRaw, 0);
        this.peerId = PeerId.fromPublicKey(encodePublicKey(publicRaw));
    }

    /**
     * @return a fresh random key
     */
    public static IdentityKey generate() {
        byte[] seed = new byte[Ed25519.SECRET_KEY_SIZE];
        RANDOM.nextBytes(seed);
        return new IdentityKey(seed);
    }

    /**
     * @param seed the 32-byte Ed25519 private key seed
     */
    public static IdentityKey fromSeed(byte[] seed) {
        if (seed.length != 32) {
            throw new IllegalArgumentException("an Ed25519 seed has 32 bytes, got " + seed.length);
        }
        return new IdentityKey(seed);
    }

    /**
     * Decodes a libp2p protobuf {@code PrivateKey} (Ed25519: 64 bytes seed||public, or 32 bytes
     * seed).
     */
    public static IdentityKey fromProtobuf(byte[] encoded) {
        KeyMessage message = KeyMessage.decode(encoded);
        long type = message.type();
        byte[] data = message.data();
        if (type != KEY_TYPE_ED25519 || data == null || (data.length != 64 && data.length != 32)) {
            throw new MalformedInputException("not an Ed25519 libp2p private key");
        }
        IdentityKey key = fromSeed(Arrays.copyOf(data, 32));
        if (data.length == 64 && !Arrays.equals(key.publicRaw, Arrays.copyOfRange(data, 32, 64))) {
            throw new MalformedInputException(
                    "the public half of the stored key does not match its seed");
        }
        return key;
    }

    /**
     * @return the libp2p protobuf {@code PrivateKey} form (type Ed25519, seed||public)
     */
    public byte[] toProtobuf() {
        return new ProtoWriter()
                .uint(1, KEY_TYPE_ED25519)
                .bytes(2, concat(seed, publicRaw))
                .toByteArray();
    }

    /**
     * @return the protobuf {@code PublicKey} form, as carried in Noise and identify
     */
    public byte[] publicKeyProtobuf() {
        return encodePublicKey(publicRaw);
    }

    /**
     * @return the peer id of this key
     */
    public PeerId peerId() {
        return peerId;
    }

    /**
     * @return the Ed25519 signature of {@code data}
     */
    public byte[] sign(byte[] data) {
        byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
        Ed25519.sign(seed, 0, publicRaw, 0, data, 0, data.length, sig, 0);
        return sig;
    }

    /**
     * Verifies a signature made by the key in a protobuf {@code PublicKey}.
     *
     * @return false when the signature does not verify or the key is not a supported Ed25519 key
     */
    public static boolean verify(byte[] publicKeyProtobuf, byte[] data, byte[] signature) {
        try {
            byte[] raw = decodeEd25519PublicKey(publicKeyProtobuf);
            return signature != null
                    && signature.length == Ed25519.SIGNATURE_SIZE
                    && Ed25519.verify(signature, 0, raw, 0, data, 0, data.length);
        } catch (MalformedInputException | IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Decodes a protobuf {@code PublicKey} once into the curve point that verification needs, so
     * that a key seen again (a gossip author) is not decompressed for every signature.
     *
     * @return the verifier, or null when the key is not a valid Ed25519 key
     */
    public static Verifier verifier(byte[] publicKeyProtobuf) {
        try {
            Ed25519.PublicPoint point =
                    Ed25519.validatePublicKeyPartialExport(
                            decodeEd25519PublicKey(publicKeyProtobuf), 0);
            return point == null ? null : new Verifier(point);
        } catch (MalformedInputException | IllegalArgumentException e) {
            return null;
        }
    }

    /** An Ed25519 public key decoded to its curve point, for verifying many signatures. */
    public static final class Verifier {
        private final Ed25519.PublicPoint point;

        private Verifier(Ed25519.PublicPoint point) {
            this.point = point;
        }

        /**
         * @return whether {@code signature} is this key's signature of {@code data}
         */
        public boolean verify(byte[] data, byte[] signature) {
            return signature != null
                    && signature.length == Ed25519.SIGNATURE_SIZE
                    && Ed25519.verify(signature, 0, point, data, 0, data.length);
        }
    }

    /**
     * @return the 32-byte key of a protobuf Ed25519 {@code PublicKey}
     */
    public static byte[] decodeEd25519PublicKey(byte[] publicKeyProtobuf) {
        KeyMessage message = KeyMessage.decode(publicKeyProtobuf);
        long type = message.type();
        byte[] data = message.data();
        if (type != KEY_TYPE_ED25519 || data == null || data.length != 32) {
            throw new MalformedInputException(
                    "only Ed25519 identity keys are supported (key type " + type + ")");
        }
        return data;
    }

    /**
     * The libp2p {@code PublicKey} / {@code PrivateKey} protobuf: key type (1) and key bytes (2).
     */
    private record KeyMessage(long type, byte[] data) {
        static KeyMessage decode(byte[] encoded) {
            ProtoReader r = new ProtoReader(encoded);
            long type = -1;
            byte[] data = null;
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> type = r.uint();
                    case 2 -> data = r.bytes();
                    default -> r.skip();
                }
            }
            return new KeyMessage(type, data);
        }
    }

    static byte[] encodePublicKey(byte[] raw) {
        return new ProtoWriter().uint(1, KEY_TYPE_ED25519).bytes(2, raw).toByteArray();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public String toString() {
        return "IdentityKey[" + peerId + "]";
    }
}
