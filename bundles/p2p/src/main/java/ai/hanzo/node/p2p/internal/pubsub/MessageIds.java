package ai.hanzo.node.p2p.internal.pubsub;

import ai.hanzo.node.p2p.internal.identity.PeerId;
import java.util.Arrays;

/**
 * Gossipsub message ids of signed messages in their two wire forms. The spec (and go-libp2p and
 * rust-libp2p) use {@code from + seqno}: the author's peer id bytes, then the 8-byte sequence
 * number. js-libp2p 3.x ({@code @libp2p/gossipsub} 17, {@code msgIdFnStrictSign}) uses the author's
 * public key in its protobuf encoding instead of the peer id, then the sequence number: for an
 * Ed25519 author the same bytes without the peer id's two-byte identity-multihash prefix. The
 * router keys everything by the spec form; an id is told apart by its first byte (a peer id
 * multihash starts with 0x00 or 0x12, a protobuf public key with the field tag 0x08), and ids go
 * out in the form the receiving peer uses.
 */
final class MessageIds {
    static final int SEQNO_LENGTH = 8;
    private static final int PROTOBUF_KEY_TYPE_TAG = 0x08;

    private MessageIds() {}

    /**
     * @return the spec id of a message by {@code author}
     */
    static byte[] spec(PeerId author, byte[] seqno) {
        return concat(author.toBytes(), seqno);
    }

    /**
     * @return whether {@code wireId} is in js-libp2p's form (public key + seqno)
     */
    static boolean isAuthorKeyForm(byte[] wireId) {
        return wireId.length > SEQNO_LENGTH && (wireId[0] & 0xff) == PROTOBUF_KEY_TYPE_TAG;
    }

    /**
     * @return the spec form of an id received in either form, or null when it is neither
     */
    static byte[] toSpec(byte[] wireId) {
        if (wireId.length <= SEQNO_LENGTH) {
            return null;
        }
        if (!isAuthorKeyForm(wireId)) {
            return wireId;
        }
        byte[] key = Arrays.copyOfRange(wireId, 0, wireId.length - SEQNO_LENGTH);
        try {
            return concat(
                    PeerId.fromPublicKey(key).toBytes(),
                    Arrays.copyOfRange(wireId, key.length, wireId.length));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * @param publicKey the author's protobuf public key (inline in its peer id, or the message's
     *     key field)
     * @return js-libp2p's form of the message id
     */
    static byte[] authorKeyForm(byte[] publicKey, byte[] seqno) {
        return concat(publicKey, seqno);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
