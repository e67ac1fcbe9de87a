package ai.hanzo.node.chain.internal;

import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.chain.PendingTransaction;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.chain.internal.contract.NodeRegistry;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.crypto.Keys;
import org.web3j.utils.Numeric;

/**
 * The chain client outside the OSGi framework, for {@code bin/hanzo-node operator ...} and {@code
 * chain deploy-contract} run offline: the same sender, nonce source, fee and revert handling as the
 * node's, configured from the command line instead of Config Admin. Public only for the client
 * JVM's plain class path; the bundle exports nothing.
 */
public final class StandaloneChainClient implements AutoCloseable {
    private static final String NO_CONTRACT = "0x0000000000000000000000000000000000000000";

    private final ChainSettings settings;
    private final RegistryStakingService staking;

    /**
     * What the client connects to and signs with.
     *
     * @param profile mainnet, testnet, devnet or local
     * @param rpcUrl the JSON-RPC endpoint
     * @param chainId the chain id, 0 for the profile's
     * @param contractAddress the registry, empty for {@link #deployRegistry} only
     * @param keystore the operator's keystore v3 file, null for reads only
     * @param passwordFile the file holding its password, null to read {@code passwordEnv}
     * @param passwordEnv the environment variable holding the password
     * @param endpoint the endpoint to register
     * @param gasCap the most gas one transaction may use, 0 for 5,000,000
     */
    public record Options(
            String profile,
            String rpcUrl,
            long chainId,
            String contractAddress,
            Path keystore,
            Path passwordFile,
            String passwordEnv,
            String endpoint,
            long gasCap) {}

    /**
     * A contract created by {@link #deployRegistry}.
     *
     * @param address the contract's address
     * @param transaction the creating transaction
     */
    public record Deployment(String address, PendingTransaction transaction) {}

    private StandaloneChainClient(ChainSettings settings, RegistryStakingService staking) {
        this.settings = settings;
        this.staking = staking;
    }

    /**
     * @param options the chain and key
     * @param nodeId the node's id, from its data directory
     * @param peerId the node's libp2p peer id, empty when unknown (register then fails)
     * @param environment reads environment variables (the password variable)
     * @return a client; nothing is sent until a write is called
     */
    public static StandaloneChainClient open(
            Options options, String nodeId, String peerId, UnaryOperator<String> environment) {
        ChainSettings settings = settings(options);
        RegistryStakingService staking =
                new RegistryStakingService(
                        settings,
                        // the capabilities are the running node's to declare: it refreshes them
                        // with the next endpoint update
                        () -> new NodeIdentity(nodeId, peerId, Set.of()),
                        "",
                        environment,
                        Clock.systemUTC());
        return new StandaloneChainClient(settings, staking);
    }

    private static ChainSettings settings(Options o) {
        ChainProfile profile = ChainProfile.parse(o.profile() == null ? "local" : o.profile());
        if (o.rpcUrl() == null || o.rpcUrl().isBlank()) {
            throw new InvalidArgumentException(
                    "no chain RPC URL: give --rpc-url or set HANZO_CHAIN_RPC_URL");
        }
        long chainId = o.chainId() > 0 ? o.chainId() : profile.chainId();
        if (profile != ChainProfile.LOCAL && chainId != profile.chainId()) {
            throw new InvalidArgumentException(
                    "chain id "
                            + chainId
                            + " does not match profile "
                            + profile.name().toLowerCase(java.util.Locale.ROOT)
                            + " ("
                            + profile.chainId()
                            + ")");
        }
        String contract =
                o.contractAddress() == null || o.contractAddress().isBlank()
                        ? NO_CONTRACT
                        : o.contractAddress().trim();
        URI url;
        try {
            url = URI.create(o.rpcUrl().trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException("invalid RPC URL '" + o.rpcUrl() + "'");
        }
        return new ChainSettings(
                profile,
                url,
                chainId,
                contract,
                Optional.ofNullable(o.keystore()),
                Optional.ofNullable(o.passwordFile()),
                o.passwordEnv() == null ? "HANZO_CHAIN_PASSWORD" : o.passwordEnv(),
                o.endpoint() == null ? "" : o.endpoint(),
                "auto",
                BigInteger.valueOf(o.gasCap() > 0 ? o.gasCap() : 5_000_000),
                new BigInteger("500000000000"),
                profile.blockTime().dividedBy(2),
                Duration.ofSeconds(60),
                20,
                3,
                Duration.ofSeconds(15),
                Duration.ofSeconds(10),
                0,
                BigInteger.ZERO);
    }

    /**
     * @return the registry calls; fails with a clear message when no contract address was given
     */
    public StakingService staking() {
        if (NO_CONTRACT.equals(settings.contractAddress())) {
            throw new InvalidArgumentException(
                    "no registry contract: give --contract or set HANZO_CHAIN_CONTRACT");
        }
        return staking;
    }

    /**
     * @return the chain as read now (chain id, height, sync)
     */
    public ai.hanzo.node.api.chain.ChainStatus readChain() {
        return staking.refresh();
    }

    /**
     * Deploys the NodeRegistry contract from the operator's key, which becomes its owner and
     * slasher.
     *
     * @param minStakeWei the minimum stake to register
     * @param unbondingDelaySeconds how long unstaked funds stay locked
     * @return the contract's address (known before it is mined: sender and nonce decide it) and the
     *     transaction to await
     */
    public Deployment deployRegistry(BigInteger minStakeWei, long unbondingDelaySeconds) {
        if (minStakeWei.signum() <= 0) {
            throw new InvalidArgumentException("minimum stake must be more than 0 wei");
        }
        if (unbondingDelaySeconds < 0) {
            throw new InvalidArgumentException("unbonding delay must not be negative");
        }
        String init =
                NodeRegistry.BINARY
                        + Numeric.cleanHexPrefix(
                                FunctionEncoder.encodeConstructor(
                                        java.util.List.of(
                                                new Uint256(minStakeWei),
                                                new Uint64(unbondingDelaySeconds))));
        PendingTransaction sent =
                staking.sender()
                        .orElseThrow(
                                () ->
                                        new FailedPreconditionException(
                                                "no keystore: give --keystore to deploy"))
                        .send("deploy", null, init, BigInteger.ZERO);
        String address =
                Keys.toChecksumAddress(
                        org.web3j.crypto.ContractUtils.generateContractAddress(
                                staking.operatorAddress(), BigInteger.valueOf(sent.nonce())));
        return new Deployment(address, sent);
    }

    /**
     * @return the keystore's address (read without the password), empty without a keystore
     */
    public String operatorAddress() {
        return staking.operatorAddress();
    }

    /**
     * @return the chain id the client expects the endpoint to serve
     */
    public long chainId() {
        return settings.chainId();
    }

    /**
     * @return JSON-RPC requests made so far
     */
    public long jsonRpcRequests() {
        return staking.jsonRpcRequests();
    }

    @Override
    public void close() {
        staking.close();
    }
}
