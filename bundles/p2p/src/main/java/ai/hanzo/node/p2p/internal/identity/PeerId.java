package ai.hanzo.node.p2p.internal.identity;

import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.codec.Varint;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A libp2p peer id: the multihash of the protobuf-encoded public key (identity multihash when the
 * key is at most 42 bytes, as Ed25519 keys are, SHA-256 otherwise).
 */
public final class PeerId {
    private static final int IDENTITY = 0x00;
    private static final int SHA2_256 = 0x12;
    private static final int CID_V1 = 0x01;
    private static final int LIBP2P_KEY_CODEC = 0x72;

    private final byte[] multihash;

    /** The Base58 form, computed once: it names the author of every gossip message. */
    private String base58;

    private PeerId(byte[] multihash) {
        this.multihash = multihash;
    }

    /**
     * @param encodedPublicKey the protobuf {@code PublicKey} message
     */
    public static PeerId fromPublicKey(byte[] encodedPublicKey) {
        if (encodedPublicKey.length <= 42) {
            byte[] mh = new byte[2 + encodedPublicKey.length];
            mh[0] = IDENTITY;
            mh[1] = (byte) encodedPublicKey.length;
            System.arraycopy(encodedPublicKey, 0, mh, 2, encodedPublicKey.length);
            return new PeerId(mh);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(encodedPublicKey);
            byte[] mh = new byte[34];
            mh[0] = SHA2_256;
            mh[1] = 32;
            System.arraycopy(digest, 0, mh, 2, 32);
            return new PeerId(mh);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /**
     * @param multihash the binary peer id
     * @throws MalformedInputException when it is not an identity or sha2-256 multihash
     */
    public static PeerId fromBytes(byte[] multihash) {
        int[] pos = {0};
        long code = Varint.read(multihash, pos);
        long len = Varint.read(multihash, pos);
        if ((code != IDENTITY && code != SHA2_256)
                || len != multihash.length - pos[0]
                || (code == SHA2_256 && len != 32)
                || len > 64) {
            throw new MalformedInputException("not a peer id multihash");
        }
        return new PeerId(multihash.clone());
    }

    /**
     * Parses the base58btc form ({@code 12D3KooW...}, {@code Qm...}) or a CIDv1 in base32 ({@code
     * bafz...}).
     *
     * @throws IllegalArgumentException when {@code text} is neither
     */
    public static PeerId parse(String text) {
        try {
            if (text.startsWith("b")) {
                byte[] cid = Base32.decode(text.substring(1));
                int[] pos = {0};
                if (Varint.read(cid, pos) != CID_V1 || Varint.read(cid, pos) != LIBP2P_KEY_CODEC) {
                    throw new IllegalArgumentException("CID is not a CIDv1 libp2p-key: " + text);
                }
                return fromBytes(Arrays.copyOfRange(cid, pos[0], cid.length));
            }
            return fromBytes(Base58.decode(text));
        } catch (MalformedInputException e) {
            throw new IllegalArgumentException("not a peer id: " + text, e);
        }
    }

    /**
     * @return the Ed25519 public key inlined in an identity peer id, or {@code null}
     */
    public byte[] inlinePublicKey() {
        return multihash[0] == IDENTITY ? Arrays.copyOfRange(multihash, 2, multihash.length) : null;
    }

    /**
     * @return the binary multihash
     */
    public byte[] toBytes() {
        return multihash.clone();
    }

    /**
     * @return the base58btc text form, the one the network uses
     */
    public String toBase58() {
        String text = base58;
        if (text == null) {
            text = Base58.encode(multihash);
            base58 = text; // a racy write of an immutable String is safe: at worst computed twice
        }
        return text;
    }

    /**
     * @return the CIDv1 (libp2p-key codec) text form in base32, multibase prefix {@code b}
     */
    public String toCid() {
        byte[] cid = new byte[2 + multihash.length];
        cid[0] = CID_V1;
        cid[1] = LIBP2P_KEY_CODEC;
        System.arraycopy(multihash, 0, cid, 2, multihash.length);
        return "b" + Base32.encode(cid);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerId p && Arrays.equals(multihash, p.multihash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(multihash);
    }

    @Override
    public String toString() {
        return toBase58();
    }
}
