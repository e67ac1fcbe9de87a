package ai.hanzo.node.chain.internal;

import ai.hanzo.node.chain.internal.contract.NodeRegistry;
import java.io.File;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.WalletUtils;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.FastRawTransactionManager;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.utils.Numeric;

/** A registry deployed on a real anvil, and operator keystores and services pointed at it. */
final class ChainFixture {
    static final BigInteger ETHER = BigInteger.TEN.pow(18);
    static final BigInteger MIN_STAKE = ETHER;
    static final long UNBONDING_SECONDS = 3600;
    static final String PASSWORD = "correct horse battery staple 7f3a";

    final Anvil anvil;
    final String contract;
    final Web3j web3j;

    private ChainFixture(Anvil anvil, String contract, Web3j web3j) {
        this.anvil = anvil;
        this.contract = contract;
        this.web3j = web3j;
    }

    static ChainFixture deploy(Anvil anvil) throws Exception {
        Web3j web3j = Web3j.build(new HttpService(anvil.url()));
        NodeRegistry registry =
                NodeRegistry.deploy(
                                web3j,
                                deployerManager(web3j, anvil),
                                new StaticGasProvider(
                                        BigInteger.valueOf(3_000_000_000L),
                                        BigInteger.valueOf(5_000_000)),
                                MIN_STAKE,
                                BigInteger.valueOf(UNBONDING_SECONDS))
                        .send();
        return new ChainFixture(anvil, registry.getContractAddress(), web3j);
    }

    static FastRawTransactionManager deployerManager(Web3j web3j, Anvil anvil) {
        return new FastRawTransactionManager(
                web3j,
                Credentials.create(Anvil.DEPLOYER_KEY),
                anvil.chainId(),
                new PollingTransactionReceiptProcessor(web3j, 100, 200));
    }

    /** The registry as its owner (and slasher) sees it. */
    NodeRegistry asOwner() {
        return NodeRegistry.load(
                contract,
                web3j,
                deployerManager(web3j, anvil),
                new StaticGasProvider(
                        BigInteger.valueOf(3_000_000_000L), BigInteger.valueOf(500_000)));
    }

    /** A light-scrypt keystore v3 file for a key, with its password in a mode-600 file. */
    static Keystore keystore(Path dir, String privateKeyHex) throws Exception {
        ECKeyPair pair = ECKeyPair.create(Numeric.toBigInt(privateKeyHex));
        Files.createDirectories(dir);
        String name = WalletUtils.generateWalletFile(PASSWORD, pair, dir.toFile(), false);
        Path passwordFile = dir.resolve("password");
        Files.writeString(passwordFile, PASSWORD + "\n");
        Files.setPosixFilePermissions(
                passwordFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return new Keystore(
                dir.resolve(name),
                passwordFile,
                "0x" + Numeric.toHexStringNoPrefixZeroPadded(pair.getPrivateKey(), 64));
    }

    record Keystore(Path file, Path passwordFile, String privateKeyHex) {
        File asFile() {
            return file.toFile();
        }
    }

    ChainSettings settings(Keystore key) {
        return settings(key, anvil.chainId(), ChainProfile.LOCAL, Duration.ofSeconds(60));
    }

    ChainSettings settings(
            Keystore key, long chainId, ChainProfile profile, Duration replaceAfter) {
        return new ChainSettings(
                profile,
                URI.create(anvil.url()),
                chainId,
                contract,
                Optional.ofNullable(key).map(Keystore::file),
                Optional.ofNullable(key).map(Keystore::passwordFile),
                "HANZO_CHAIN_PASSWORD",
                "/ip4/127.0.0.1/tcp/9000",
                "auto",
                BigInteger.valueOf(1_000_000),
                BigInteger.valueOf(500_000_000_000L),
                Duration.ofMillis(50),
                replaceAfter,
                20,
                3,
                Duration.ofSeconds(15),
                Duration.ofSeconds(5),
                0,
                BigInteger.ZERO);
    }

    RegistryStakingService service(
            ChainSettings settings,
            String nodeId,
            String peerId,
            java.util.concurrent.Executor background) {
        return new RegistryStakingService(
                settings,
                () -> new NodeIdentity(nodeId, peerId, Set.of("runtime:process", "model:minilm")),
                "hanzo-test",
                name -> null,
                Clock.systemUTC(),
                background);
    }

    RegistryStakingService service(ChainSettings settings, String nodeId, String peerId) {
        return new RegistryStakingService(
                settings,
                () -> new NodeIdentity(nodeId, peerId, Set.of("runtime:process", "model:minilm")),
                "hanzo-test",
                name -> null,
                Clock.systemUTC());
    }
}
