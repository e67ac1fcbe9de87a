package ai.hanzo.node.api.chain;

import java.time.Instant;
import java.util.Objects;

/**
 * The node's last view of the chain (wire message {@code ConsensusStatus}, plus the chain id), as
 * the background refresh left it. Reading it never touches the network.
 *
 * @param synced whether the endpoint answered the last refresh, serves the configured chain id and
 *     its latest block is recent
 * @param blockHeight the latest block the endpoint reported, 0 before the first answer
 * @param chainId the configured EVM chain id, for example 96369 for Lux C-Chain mainnet
 * @param networkId the Hanzo network id the node was started with
 * @param checkedAt when the endpoint was last asked
 * @param problem why the node is not synced, in words an operator understands; empty when synced
 */
public record ChainStatus(
        boolean synced,
        long blockHeight,
        long chainId,
        String networkId,
        Instant checkedAt,
        String problem) {
    /** Rejects missing values. */
    public ChainStatus {
        Objects.requireNonNull(networkId, "networkId");
        Objects.requireNonNull(checkedAt, "checkedAt");
        Objects.requireNonNull(problem, "problem");
    }
}
