package ai.hanzo.node.chain.internal;

import ai.hanzo.node.api.InvalidArgumentException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The chains the node knows by name: their chain id and block time. The RPC URL and registry
 * address always come from configuration, so the node never talks to a chain nobody chose.
 */
enum ChainProfile {
    /** Lux C-Chain mainnet. */
    MAINNET(96369, Duration.ofSeconds(2)),
    /** Lux C-Chain testnet. */
    TESTNET(96368, Duration.ofSeconds(2)),
    /** Lux C-Chain devnet. */
    DEVNET(96370, Duration.ofSeconds(2)),
    /** A local development chain such as anvil; its chain id comes from configuration. */
    LOCAL(31337, Duration.ofMillis(200));

    private final long chainId;
    private final Duration blockTime;

    ChainProfile(long chainId, Duration blockTime) {
        this.chainId = chainId;
        this.blockTime = blockTime;
    }

    long chainId() {
        return chainId;
    }

    Duration blockTime() {
        return blockTime;
    }

    static ChainProfile parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException(
                    "unknown chain profile '"
                            + name
                            + "'; use one of "
                            + Arrays.stream(values())
                                    .map(p -> p.name().toLowerCase(Locale.ROOT))
                                    .collect(Collectors.joining(", ")));
        }
    }
}
