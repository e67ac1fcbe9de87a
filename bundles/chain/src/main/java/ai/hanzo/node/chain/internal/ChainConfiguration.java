package ai.hanzo.node.chain.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the chain client, PID {@code ai.hanzo.node.chain}. */
@ObjectClassDefinition(
        name = "Hanzo node chain",
        description = "Lux registry, operator keystore and transaction limits")
public @interface ChainConfiguration {
    /**
     * @return mainnet, testnet, devnet or local
     */
    @AttributeDefinition(description = "mainnet (96369), testnet (96368), devnet (96370) or local")
    String profile() default "local";

    /**
     * @return the JSON-RPC endpoint
     */
    @AttributeDefinition(description = "JSON-RPC URL of the C-Chain endpoint")
    String rpcUrl() default "";

    /**
     * @return the chain id, 0 for the profile's
     */
    @AttributeDefinition(description = "chain id; 0 uses the profile's")
    long chainId() default 0;

    /**
     * @return the registry contract address
     */
    @AttributeDefinition(description = "NodeRegistry contract address")
    String contractAddress() default "";

    /**
     * @return the keystore v3 file
     */
    @AttributeDefinition(description = "operator keystore (Ethereum keystore v3 JSON)")
    String keystore() default "";

    /**
     * @return the password file
     */
    @AttributeDefinition(description = "file holding the keystore password (mode 600)")
    String passwordFile() default "";

    /**
     * @return the password variable
     */
    @AttributeDefinition(description = "environment variable with the password, when no file")
    String passwordEnv() default "HANZO_CHAIN_PASSWORD";

    /**
     * @return the endpoint to register
     */
    @AttributeDefinition(description = "endpoint to register, e.g. the node's public multiaddr")
    String endpoint() default "";

    /**
     * @return auto, true or false
     */
    @AttributeDefinition(description = "EIP-1559 transactions: auto, true or false (legacy)")
    String eip1559() default "auto";

    /**
     * @return the gas cap per transaction
     */
    @AttributeDefinition(description = "most gas one transaction may use")
    long gasCap() default 1_000_000;

    /**
     * @return the fee cap per gas, in wei
     */
    @AttributeDefinition(description = "most the node pays per gas, in wei (default 500 gwei)")
    String maxFeePerGasWei() default "500000000000";

    /**
     * @return the block time in milliseconds, 0 for the profile's
     */
    @AttributeDefinition(description = "block time in ms for receipt polling; 0 = profile's")
    long blockTimeMillis() default 0;

    /**
     * @return seconds before a pending transaction is re-sent with a higher fee
     */
    @AttributeDefinition(description = "seconds before a pending transaction is replaced")
    long replaceAfterSeconds() default 60;

    /**
     * @return percent fee increase of a replacement
     */
    @AttributeDefinition(description = "fee increase of a replacement, percent (>= 10)")
    int feeBumpPercent() default 20;

    /**
     * @return replacements per transaction
     */
    @AttributeDefinition(description = "how often one transaction may be replaced")
    int maxReplacements() default 3;

    /**
     * @return seconds between background reads of the chain
     */
    @AttributeDefinition(description = "seconds between background chain status reads")
    long refreshSeconds() default 15;

    /**
     * @return the JSON-RPC call timeout in seconds
     */
    @AttributeDefinition(description = "timeout of one JSON-RPC call, seconds")
    long requestTimeoutSeconds() default 10;

    /**
     * @return blocks to wait on top of a receipt's block; a reorg meanwhile is followed
     */
    @AttributeDefinition(
            description =
                    "blocks on top of a receipt's block before a write counts as done (0 on"
                            + " chains with single-slot finality)")
    int confirmations() default 0;

    /**
     * @return a fixed gas limit for every write, 0 to estimate each one
     */
    @AttributeDefinition(
            description =
                    "fixed gas limit per write, skipping eth_estimateGas (a reverting write is then"
                            + " mined and paid for); 0 estimates every write")
    long gasLimit() default 0;
}
