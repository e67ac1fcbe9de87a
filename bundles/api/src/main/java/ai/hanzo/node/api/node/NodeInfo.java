package ai.hanzo.node.api.node;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * Who this node is and how it was started. Fixed for the life of the process.
 *
 * @param nodeId the node's stable identifier, persisted in the data directory
 * @param version the node software version
 * @param networkId the Hanzo network this node joins (for example "hanzo-mainnet"), or empty
 * @param operatorAddress the EVM address of the operator who runs the node, or empty
 * @param dataDirectory where the node keeps its state
 * @param startedAt when this process started
 */
public record NodeInfo(
        String nodeId,
        String version,
        String networkId,
        String operatorAddress,
        Path dataDirectory,
        Instant startedAt) {
    /** Rejects missing values. */
    public NodeInfo {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(networkId, "networkId");
        Objects.requireNonNull(operatorAddress, "operatorAddress");
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(startedAt, "startedAt");
    }
}
