package ai.hanzo.node.api.p2p;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * The DHT keys under which Hanzo nodes provide what they offer, so that any libp2p client can find
 * the nodes that serve a model or run a runtime with a plain {@code GET_PROVIDERS}.
 *
 * <p>A capability's key is the SHA2-256 multihash ({@code 0x12 0x20} then the 32-byte digest) of
 * the UTF-8 text {@code hanzo/<network id>/capability/<capability>}. As a CID it is CIDv1 with the
 * {@code raw} codec (0x55); js-libp2p clients pass that CID to {@code contentRouting}.
 */
public final class ProviderKeys {
    private ProviderKeys() {}

    /**
     * @param networkId the network, as in {@code --network-id}; nodes of other networks use other
     *     keys
     * @param capability a capability such as {@code model:minilm} or {@code runtime:docker}
     * @return the multihash to pass to {@link PeerNetwork#provide(byte[])} and {@link
     *     PeerNetwork#findProviders(byte[], int, java.time.Duration)}
     */
    public static byte[] capability(String networkId, String capability) {
        Objects.requireNonNull(networkId, "networkId");
        Objects.requireNonNull(capability, "capability");
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256")
                            .digest(
                                    ("hanzo/" + networkId + "/capability/" + capability)
                                            .getBytes(StandardCharsets.UTF_8));
            byte[] multihash = new byte[2 + digest.length];
            multihash[0] = 0x12;
            multihash[1] = (byte) digest.length;
            System.arraycopy(digest, 0, multihash, 2, digest.length);
            return multihash;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
