package ai.hanzo.node.api.chain;

/**
 * The node's view of the chain (wire message {@code ConsensusStatus}, plus the chain id).
 *
 * @param synced whether the chain endpoint answers and is not behind
 * @param blockHeight the latest block the endpoint reported
 * @param chainId the EVM chain id, for example 96369 for Lux C-Chain mainnet
 * @param networkId the Hanzo network id the node was started with
 */
public record ChainStatus(boolean synced, long blockHeight, long chainId, String networkId) {}
