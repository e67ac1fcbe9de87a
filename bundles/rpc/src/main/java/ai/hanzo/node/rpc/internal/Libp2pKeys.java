package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.InvalidArgumentException;
import com.google.protobuf.CodedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;

/**
 * libp2p public keys as the spec encodes them (a protobuf {@code PublicKey}: field 1 the key type,
 * field 2 the key bytes): Ed25519 (raw 32 bytes) and ECDSA (DER SubjectPublicKeyInfo, P-256),
 * checked with the JDK; and the peer id a key gives (base58 of its identity multihash, or of its
 * SHA-256 multihash when the encoding is longer than 42 bytes).
 */
final class Libp2pKeys {
    static final int ED25519 = 1;
    static final int ECDSA = 3;
    private static final byte[] ED25519_SPKI_PREFIX =
            HexFormat.of().parseHex("302a300506032b6570032100");
    private static final String BASE58 =
            "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    /** A decoded key. */
    record Key(int type, PublicKey publicKey, byte[] encoded) {
        /**
         * @param message the signed bytes
         * @param signature the signature (raw 64 bytes for Ed25519, DER for ECDSA)
         * @return whether it verifies
         */
        boolean verifies(byte[] message, byte[] signature) {
            try {
                Signature verifier =
                        Signature.getInstance(type == ED25519 ? "Ed25519" : "SHA256withECDSA");
                verifier.initVerify(publicKey);
                verifier.update(message);
                return verifier.verify(signature);
            } catch (GeneralSecurityException | RuntimeException e) {
                return false;
            }
        }

        String peerId() {
            return Libp2pKeys.peerId(encoded);
        }
    }

    private Libp2pKeys() {}

    /**
     * @param encoded the protobuf-encoded libp2p public key
     * @return the key
     * @throws InvalidArgumentException naming what is wrong with it
     */
    static Key decode(byte[] encoded) {
        if (encoded.length == 0) {
            throw new InvalidArgumentException(
                    "public_key is empty: send the node's libp2p public key (protobuf PublicKey,"
                            + " Ed25519 or ECDSA)");
        }
        int type = -1;
        byte[] data = null;
        try {
            CodedInputStream in = CodedInputStream.newInstance(encoded);
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                switch (tag) {
                    case 8 -> type = in.readEnum();
                    case 18 -> data = in.readByteArray();
                    default -> in.skipField(tag);
                }
            }
        } catch (IOException e) {
            throw new InvalidArgumentException(
                    "public_key is not a protobuf-encoded libp2p PublicKey");
        }
        if (type < 0 || data == null) {
            throw new InvalidArgumentException(
                    "public_key lacks its key type (field 1) or key bytes (field 2)");
        }
        try {
            if (type == ED25519) {
                if (data.length != 32) {
                    throw new InvalidArgumentException(
                            "public_key: an Ed25519 key has 32 bytes, not " + data.length);
                }
                byte[] spki = new byte[ED25519_SPKI_PREFIX.length + 32];
                System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
                System.arraycopy(data, 0, spki, ED25519_SPKI_PREFIX.length, 32);
                return new Key(
                        type,
                        KeyFactory.getInstance("Ed25519")
                                .generatePublic(new X509EncodedKeySpec(spki)),
                        encoded.clone());
            }
            if (type == ECDSA) {
                return new Key(
                        type,
                        KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(data)),
                        encoded.clone());
            }
        } catch (GeneralSecurityException e) {
            throw new InvalidArgumentException("public_key holds a malformed key");
        }
        throw new InvalidArgumentException(
                "public_key type "
                        + type
                        + " is not supported: use Ed25519 (1) or ECDSA P-256 (3)");
    }

    static String peerId(byte[] encodedKey) {
        ByteArrayOutputStream multihash = new ByteArrayOutputStream();
        byte[] digest;
        if (encodedKey.length <= 42) {
            multihash.write(0x00);
            digest = encodedKey;
        } else {
            multihash.write(0x12);
            try {
                digest = java.security.MessageDigest.getInstance("SHA-256").digest(encodedKey);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("SHA-256 is missing from this JVM", e);
            }
        }
        multihash.write(digest.length);
        multihash.writeBytes(digest);
        return base58(multihash.toByteArray());
    }

    static String base58(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        BigInteger value = new BigInteger(1, bytes);
        BigInteger base = BigInteger.valueOf(58);
        while (value.signum() > 0) {
            BigInteger[] qr = value.divideAndRemainder(base);
            out.append(BASE58.charAt(qr[1].intValue()));
            value = qr[0];
        }
        for (byte b : bytes) {
            if (b != 0) {
                break;
            }
            out.append('1');
        }
        return out.reverse().toString();
    }
}
