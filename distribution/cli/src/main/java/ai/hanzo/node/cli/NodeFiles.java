package ai.hanzo.node.cli;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * A node's identity as its data directory holds it, read without starting the node: the node id
 * from {@code node-id} and the libp2p peer id derived from {@code p2p/identity.key} (protobuf
 * {@code PrivateKey}, Ed25519). The private key is only used to derive the public one.
 */
final class NodeFiles {
    private static final String BASE58 =
            "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    private NodeFiles() {}

    /**
     * @param dataDir the node's data directory
     * @return the node id
     * @throws CliException when the directory holds none (the node never ran there)
     */
    static String nodeId(Path dataDir) throws CliException {
        Path file = dataDir.resolve("node-id");
        if (!Files.isRegularFile(file)) {
            throw new CliException(
                    ExitCode.USAGE,
                    "no node id in "
                            + dataDir
                            + " (no file node-id): give the --data-dir of a node that has run"
                            + " once");
        }
        try {
            String id = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) {
                throw new CliException(ExitCode.USAGE, file + " does not hold a valid node id");
            }
            return id;
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, "cannot read " + file + ": " + e.getMessage());
        }
    }

    /**
     * @param dataDir the node's data directory
     * @return the base58btc peer id, empty when the node has no p2p key yet
     * @throws CliException when the key file is unreadable or not an Ed25519 key
     */
    static String peerId(Path dataDir) throws CliException {
        Path file = dataDir.resolve("p2p").resolve("identity.key");
        if (!Files.isRegularFile(file)) {
            return "";
        }
        byte[] encoded;
        try {
            encoded = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, "cannot read " + file + ": " + e.getMessage());
        }
        try {
            // protobuf PrivateKey { KeyType Type = 1; bytes Data = 2; }
            long type = -1;
            byte[] data = null;
            int[] at = {0};
            while (at[0] < encoded.length) {
                long tag = varint(encoded, at);
                if (tag == (1 << 3)) {
                    type = varint(encoded, at);
                } else if (tag == ((2 << 3) | 2)) {
                    int length = (int) varint(encoded, at);
                    data = Arrays.copyOfRange(encoded, at[0], at[0] + length);
                    at[0] += length;
                } else {
                    throw new IllegalArgumentException("unexpected field");
                }
            }
            if (type != 1 || data == null || (data.length != 32 && data.length != 64)) {
                throw new IllegalArgumentException("not Ed25519");
            }
            byte[] publicKey = new byte[32];
            if (data.length == 64) {
                System.arraycopy(data, 32, publicKey, 0, 32);
            } else {
                Ed25519.generatePublicKey(data, 0, publicKey, 0);
            }
            Arrays.fill(data, (byte) 0);
            // identity multihash of the protobuf PublicKey { Type = Ed25519, Data = key }
            byte[] multihash = new byte[2 + 4 + 32];
            multihash[0] = 0x00;
            multihash[1] = 36;
            multihash[2] = 0x08;
            multihash[3] = 0x01;
            multihash[4] = 0x12;
            multihash[5] = 32;
            System.arraycopy(publicKey, 0, multihash, 6, 32);
            return base58(multihash);
        } catch (RuntimeException e) {
            throw new CliException(
                    ExitCode.USAGE, file + " is not a libp2p Ed25519 private key file");
        }
    }

    private static long varint(byte[] bytes, int[] at) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = bytes[at[0]++];
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }

    static String base58(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        BigInteger value = new BigInteger(1, bytes);
        BigInteger base = BigInteger.valueOf(58);
        while (value.signum() > 0) {
            BigInteger[] division = value.divideAndRemainder(base);
            text.append(BASE58.charAt(division[1].intValue()));
            value = division[0];
        }
        for (int i = 0; i < bytes.length && bytes[i] == 0; i++) {
            text.append('1');
        }
        return text.reverse().toString();
    }
}
