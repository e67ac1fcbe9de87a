package ai.hanzo.node.chain.internal;

import ai.hanzo.node.api.InvalidArgumentException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything the chain client needs, checked once: which chain, which contract, which key, and the
 * limits for sending. Holds no secret: the password is read from its file or variable when the key
 * is first needed.
 *
 * @param profile the named chain
 * @param rpcUrl the JSON-RPC endpoint (http or https)
 * @param chainId the chain id the endpoint must serve
 * @param contractAddress the registry contract, 0x-prefixed
 * @param keystore the operator's keystore v3 file, if configured
 * @param passwordFile a file holding the keystore password, if configured
 * @param passwordEnv the environment variable holding the password when no file is configured
 * @param endpoint the endpoint to register, for example the node's public multiaddr
 * @param eip1559 "auto" (by the latest block), "true" or "false"
 * @param gasCap the most gas one transaction may use
 * @param maxFeePerGasCapWei the most the node pays per gas, in wei
 * @param pollInterval how often to ask for a receipt
 * @param replaceAfter how long a transaction may stay pending before it is re-sent with a higher
 *     fee
 * @param feeBumpPercent by how much a replacement raises the fees (at least 10, what nodes need)
 * @param maxReplacements how many times one transaction may be replaced
 * @param refreshInterval how often the background refresh reads the chain
 * @param requestTimeout the HTTP timeout of one JSON-RPC call
 * @param confirmations blocks on top of a receipt's block before a write counts as done; a receipt
 *     whose block leaves the canonical chain meanwhile is awaited again (0: done at the receipt,
 *     right for chains with single-slot finality such as Lux)
 */
record ChainSettings(
        ChainProfile profile,
        URI rpcUrl,
        long chainId,
        String contractAddress,
        Optional<Path> keystore,
        Optional<Path> passwordFile,
        String passwordEnv,
        String endpoint,
        String eip1559,
        BigInteger gasCap,
        BigInteger maxFeePerGasCapWei,
        Duration pollInterval,
        Duration replaceAfter,
        int feeBumpPercent,
        int maxReplacements,
        Duration refreshInterval,
        Duration requestTimeout,
        int confirmations,
        BigInteger fixedGasLimit) {

    ChainSettings {
        String scheme = rpcUrl.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme)) {
            throw new InvalidArgumentException(
                    "chain rpcUrl must be http:// or https://, got '" + rpcUrl + "'");
        }
        if (!contractAddress.matches("0x[0-9a-fA-F]{40}")) {
            throw new InvalidArgumentException(
                    "chain contractAddress must be a 0x-prefixed 20-byte hex address, got '"
                            + contractAddress
                            + "'");
        }
        if (fixedGasLimit.signum() < 0 || fixedGasLimit.compareTo(gasCap) > 0) {
            throw new InvalidArgumentException(
                    "chain gasLimit must be 0 (estimate) or at most gasCap (" + gasCap + ")");
        }
        if (confirmations < 0) {
            throw new InvalidArgumentException("chain confirmations must not be negative");
        }
        if (feeBumpPercent < 10) {
            throw new InvalidArgumentException(
                    "chain feeBumpPercent must be at least 10: nodes refuse smaller replacements");
        }
        if (!eip1559.equals("auto") && !eip1559.equals("true") && !eip1559.equals("false")) {
            throw new InvalidArgumentException(
                    "chain eip1559 must be auto, true or false, got '" + eip1559 + "'");
        }
    }

    /** Settings from the Config Admin configuration. */
    static ChainSettings from(ChainConfiguration c) {
        ChainProfile profile = ChainProfile.parse(c.profile());
        if (c.rpcUrl().isBlank()) {
            throw new InvalidArgumentException(
                    "chain rpcUrl is not set: the node only talks to a chain endpoint you choose");
        }
        long chainId = c.chainId() > 0 ? c.chainId() : profile.chainId();
        if (profile != ChainProfile.LOCAL && chainId != profile.chainId()) {
            throw new InvalidArgumentException(
                    "chain id "
                            + chainId
                            + " does not match profile "
                            + profile.name().toLowerCase()
                            + " ("
                            + profile.chainId()
                            + ")");
        }
        Duration blockTime =
                c.blockTimeMillis() > 0
                        ? Duration.ofMillis(c.blockTimeMillis())
                        : profile.blockTime();
        return new ChainSettings(
                profile,
                URI.create(c.rpcUrl().trim()),
                chainId,
                c.contractAddress().trim(),
                optionalPath(c.keystore()),
                optionalPath(c.passwordFile()),
                c.passwordEnv(),
                c.endpoint(),
                c.eip1559().trim(),
                BigInteger.valueOf(c.gasCap()),
                new BigInteger(c.maxFeePerGasWei().trim()),
                // a receipt cannot appear faster than a block: poll twice per block
                blockTime.dividedBy(2),
                Duration.ofSeconds(c.replaceAfterSeconds()),
                c.feeBumpPercent(),
                c.maxReplacements(),
                Duration.ofSeconds(Math.max(1, c.refreshSeconds())),
                Duration.ofSeconds(Math.max(1, c.requestTimeoutSeconds())),
                c.confirmations(),
                BigInteger.valueOf(c.gasLimit()));
    }

    private static Optional<Path> optionalPath(String value) {
        return value == null || value.isBlank()
                ? Optional.empty()
                : Optional.of(Path.of(value.trim()));
    }
}
