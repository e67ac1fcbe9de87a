package ai.hanzo.node.chain.internal;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import org.web3j.crypto.Hash;

/**
 * What the registry records about this node besides its stake.
 *
 * @param nodeId the node id
 * @param peerId the libp2p peer id, empty while p2p is not running
 * @param capabilities the advertised capabilities, {@code <kind>:<name>}
 */
record NodeIdentity(String nodeId, String peerId, Set<String> capabilities) {
    NodeIdentity {
        capabilities = Set.copyOf(capabilities);
    }

    /** keccak256 of the sorted capabilities, one per line: what the contract stores. */
    byte[] capabilitiesHash() {
        String canonical = String.join("\n", new TreeSet<>(capabilities));
        return Hash.sha3(canonical.getBytes(StandardCharsets.UTF_8));
    }
}
