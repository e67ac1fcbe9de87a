package ai.hanzo.node.p2p.internal.pubsub;

import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.codec.ProtoReader;
import ai.hanzo.node.p2p.internal.codec.ProtoWriter;
import ai.hanzo.node.p2p.internal.codec.Varint;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A libp2p signed peer record (RFC 0003): an envelope (public key, payload type, payload, signature
 * over the domain {@code libp2p-peer-record}) whose payload lists a peer's addresses. Gossipsub PX
 * may carry one per offered peer; only the addresses of a record whose signature verifies and whose
 * key matches the peer id are used.
 *
 * @param peer the peer the record is about (proven by the signing key)
 * @param seq the record's sequence number
 * @param addresses its addresses
 */
record SignedPeerRecord(PeerId peer, long seq, List<Multiaddr> addresses) {
    static final byte[] DOMAIN = "libp2p-peer-record".getBytes(StandardCharsets.UTF_8);

    /** The multicodec libp2p-peer-record (0x0301) as libp2p puts it in envelopes. */
    static final byte[] PAYLOAD_TYPE = {0x03, 0x01};

    /** Addresses taken from one record. */
    static final int MAX_ADDRESSES = 16;

    /**
     * Verifies and decodes an envelope.
     *
     * @return empty when it is malformed, not a peer record, not validly signed, or not signed by
     *     {@code expected}
     */
    static Optional<SignedPeerRecord> open(byte[] envelope, PeerId expected) {
        try {
            byte[] key = null;
            byte[] type = null;
            byte[] payload = null;
            byte[] signature = null;
            ProtoReader r = new ProtoReader(envelope);
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> key = r.bytes();
                    case 2 -> type = r.bytes();
                    case 3 -> payload = r.bytes();
                    case 5 -> signature = r.bytes();
                    default -> r.skip();
                }
            }
            if (key == null
                    || payload == null
                    || !Arrays.equals(PAYLOAD_TYPE, type)
                    || !PeerId.fromPublicKey(key).equals(expected)
                    || !IdentityKey.verify(key, signedBytes(type, payload), signature)) {
                return Optional.empty();
            }
            PeerId peer = null;
            long seq = 0;
            List<Multiaddr> addrs = new ArrayList<>();
            ProtoReader p = new ProtoReader(payload);
            while (p.next()) {
                switch (p.field()) {
                    case 1 -> peer = PeerId.fromBytes(p.bytes());
                    case 2 -> seq = p.uint();
                    case 3 -> {
                        ProtoReader a = new ProtoReader(p.bytes());
                        while (a.next()) {
                            if (a.field() == 1 && addrs.size() < MAX_ADDRESSES) {
                                addrs.add(Multiaddr.fromBytes(a.bytes()));
                            } else {
                                a.skip();
                            }
                        }
                    }
                    default -> p.skip();
                }
            }
            if (!expected.equals(peer)) {
                return Optional.empty();
            }
            return Optional.of(new SignedPeerRecord(peer, seq, List.copyOf(addrs)));
        } catch (MalformedInputException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Signs a record of {@code key}'s own addresses (for tests and for offering this node's
     * record).
     */
    static byte[] seal(IdentityKey key, long seq, List<Multiaddr> addresses) {
        ProtoWriter payload = new ProtoWriter().bytes(1, key.peerId().toBytes()).uint(2, seq);
        for (Multiaddr a : addresses) {
            payload.bytes(3, new ProtoWriter().bytes(1, a.toBytes()).toByteArray());
        }
        byte[] body = payload.toByteArray();
        byte[] sig = key.sign(signedBytes(PAYLOAD_TYPE, body));
        return new ProtoWriter()
                .bytes(1, key.publicKeyProtobuf())
                .bytes(2, PAYLOAD_TYPE)
                .bytes(3, body)
                .bytes(5, sig)
                .toByteArray();
    }

    /** Length-prefixed domain, payload type and payload: what the envelope signature covers. */
    private static byte[] signedBytes(byte[] type, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : List.of(DOMAIN, type, payload)) {
            out.writeBytes(Varint.encode(part.length));
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
