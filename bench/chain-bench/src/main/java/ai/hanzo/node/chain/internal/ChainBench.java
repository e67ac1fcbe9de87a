package ai.hanzo.node.chain.internal;

import ai.hanzo.node.chain.internal.contract.NodeRegistry;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.OkHttpClient;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.WalletUtils;
import org.web3j.protocol.Web3j;
import org.web3j.tx.FastRawTransactionManager;
import org.web3j.tx.gas.StaticEIP1559GasProvider;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.utils.Numeric;

/**
 * Register + add stake on a local anvil, alternately through the node's StakingService and through
 * a plain web3j client (generated wrapper, FastRawTransactionManager, static EIP-1559 fees, the
 * same 50 ms receipt polling), in one run: median wall time per pair and JSON-RPC requests per
 * operation.
 */
public final class ChainBench {
    private static final String DEPLOYER =
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private static final String NODE_OPERATOR =
            "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    private static final String PLAIN_OPERATOR =
            "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
    private static final BigInteger ETHER = BigInteger.TEN.pow(18);
    private static final long CHAIN_ID = 31337;

    private ChainBench() {}

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(System.getenv().getOrDefault("ROUNDS", "30"));
        int warmup = 5;
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port;
        Process anvil =
                new ProcessBuilder(
                                anvilBinary().toString(),
                                "--host",
                                "127.0.0.1",
                                "--port",
                                Integer.toString(port),
                                "--chain-id",
                                Long.toString(CHAIN_ID),
                                "--silent")
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectErrorStream(true)
                        .start();
        OkHttpClient http = new OkHttpClient();
        try {
            CountingHttpService plainTransport = new CountingHttpService(url, http);
            Web3j web3j = Web3j.build(plainTransport);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (true) {
                try {
                    web3j.ethChainId().send();
                    break;
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(50);
                }
            }
            NodeRegistry deployed =
                    NodeRegistry.deploy(
                                    web3j,
                                    manager(web3j, DEPLOYER),
                                    new StaticGasProvider(
                                            BigInteger.valueOf(3_000_000_000L),
                                            BigInteger.valueOf(5_000_000)),
                                    ETHER,
                                    BigInteger.valueOf(3600))
                            .send();
            String contract = deployed.getContractAddress();

            // the plain client: the generated wrapper as web3j documents it, static EIP-1559 fees
            NodeRegistry plain =
                    NodeRegistry.load(
                            contract,
                            web3j,
                            manager(web3j, PLAIN_OPERATOR),
                            new StaticEIP1559GasProvider(
                                    CHAIN_ID,
                                    BigInteger.valueOf(10_000_000_000L),
                                    BigInteger.valueOf(1_000_000_000L),
                                    BigInteger.valueOf(500_000)));

            Path dir = Files.createTempDirectory("chain-bench");
            ECKeyPair pair = ECKeyPair.create(Numeric.toBigInt(NODE_OPERATOR));
            String name = WalletUtils.generateWalletFile("bench", pair, dir.toFile(), false);
            Files.writeString(dir.resolve("password"), "bench");
            Files.setPosixFilePermissions(
                    dir.resolve("password"),
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            ChainSettings settings =
                    new ChainSettings(
                            ChainProfile.LOCAL,
                            URI.create(url),
                            CHAIN_ID,
                            contract,
                            Optional.of(dir.resolve(name)),
                            Optional.of(dir.resolve("password")),
                            "HANZO_CHAIN_PASSWORD",
                            "/ip4/127.0.0.1/tcp/9000",
                            "auto",
                            BigInteger.valueOf(1_000_000),
                            BigInteger.valueOf(500_000_000_000L),
                            Duration.ofMillis(50),
                            Duration.ofSeconds(60),
                            20,
                            3,
                            Duration.ofSeconds(15),
                            Duration.ofSeconds(10),
                            0,
                            BigInteger.ZERO);
            AtomicReference<String> nodeId = new AtomicReference<>("warm");
            RegistryStakingService node =
                    new RegistryStakingService(
                            settings,
                            () -> new NodeIdentity(nodeId.get(), "peer-" + nodeId.get(), Set.of()),
                            "bench",
                            n -> null,
                            Clock.systemUTC());
            // the same with gasLimit set: no eth_estimateGas (a revert is then mined, and paid)
            ChainSettings fixedSettings =
                    new ChainSettings(
                            settings.profile(),
                            settings.rpcUrl(),
                            settings.chainId(),
                            settings.contractAddress(),
                            settings.keystore(),
                            settings.passwordFile(),
                            settings.passwordEnv(),
                            settings.endpoint(),
                            settings.eip1559(),
                            settings.gasCap(),
                            settings.maxFeePerGasCapWei(),
                            settings.pollInterval(),
                            settings.replaceAfter(),
                            settings.feeBumpPercent(),
                            settings.maxReplacements(),
                            settings.refreshInterval(),
                            settings.requestTimeout(),
                            0,
                            BigInteger.valueOf(500_000));
            RegistryStakingService fixed =
                    new RegistryStakingService(
                            fixedSettings,
                            () -> new NodeIdentity(nodeId.get(), "peer-" + nodeId.get(), Set.of()),
                            "bench",
                            n -> null,
                            Clock.systemUTC());

            List<Long> nodeNanos = new ArrayList<>();
            List<Long> fixedNanos = new ArrayList<>();
            List<Long> plainNanos = new ArrayList<>();
            long[] calls = new long[3];
            long[] requests = new long[3];
            for (int i = 0; i < warmup + rounds; i++) {
                boolean measured = i >= warmup;
                // rotate which side goes first
                for (int k = 0; k < 3; k++) {
                    int side = (i + k) % 3;
                    String id = "bench-" + UUID.randomUUID();
                    if (side < 2) {
                        RegistryStakingService s = side == 0 ? node : fixed;
                        nodeId.set(id);
                        long c0 = s.jsonRpcCalls();
                        long r0 = s.jsonRpcRequests();
                        long t0 = System.nanoTime();
                        s.register(ETHER).await(Duration.ofSeconds(30));
                        s.addStake(BigInteger.TEN).await(Duration.ofSeconds(30));
                        long t1 = System.nanoTime();
                        if (measured) {
                            (side == 0 ? nodeNanos : fixedNanos).add(t1 - t0);
                            calls[side] += s.jsonRpcCalls() - c0;
                            requests[side] += s.jsonRpcRequests() - r0;
                        }
                    } else {
                        long c0 = plainTransport.calls();
                        long r0 = plainTransport.requests();
                        long t0 = System.nanoTime();
                        plain.register(
                                        id,
                                        "peer-" + id,
                                        "/ip4/127.0.0.1/tcp/9000",
                                        new byte[32],
                                        ETHER)
                                .send();
                        plain.addStake(id, BigInteger.TEN).send();
                        long t1 = System.nanoTime();
                        if (measured) {
                            plainNanos.add(t1 - t0);
                            calls[2] += plainTransport.calls() - c0;
                            requests[2] += plainTransport.requests() - r0;
                        }
                    }
                }
            }
            node.close();
            fixed.close();
            web3j.shutdown();
            long nodeCalls = calls[0];
            long nodeRequests = requests[0];
            long plainCalls = calls[2];
            long plainRequests = requests[2];
            double fixedMedian = median(fixedNanos) / 1e6;
            double nodeMedian = median(nodeNanos) / 1e6;
            double plainMedian = median(plainNanos) / 1e6;
            System.out.printf(
                    "rounds %d (after %d warm-up), register + addStake on anvil, 50 ms receipt polling%n",
                    rounds, warmup);
            System.out.printf(
                    "node StakingService : median %.1f ms per register+addStake, %.2f JSON-RPC calls"
                            + " in %.2f HTTP requests per operation%n",
                    nodeMedian, nodeCalls / (2.0 * rounds), nodeRequests / (2.0 * rounds));
            System.out.printf(
                    "plain web3j client  : median %.1f ms per register+addStake, %.2f JSON-RPC calls"
                            + " in %.2f HTTP requests per operation%n",
                    plainMedian, plainCalls / (2.0 * rounds), plainRequests / (2.0 * rounds));
            System.out.printf(
                    "node, gasLimit set  : median %.1f ms per register+addStake, %.2f JSON-RPC calls"
                            + " in %.2f HTTP requests per operation%n",
                    fixedMedian, calls[1] / (2.0 * rounds), requests[1] / (2.0 * rounds));
            System.out.printf(
                    "ratio node/plain    : %.2fx time (gasLimit set: %.2fx)%n",
                    nodeMedian / plainMedian, fixedMedian / plainMedian);
        } finally {
            anvil.destroy();
            http.dispatcher().executorService().shutdown();
        }
    }

    private static FastRawTransactionManager manager(Web3j web3j, String key) {
        return new FastRawTransactionManager(
                web3j,
                Credentials.create(key),
                CHAIN_ID,
                new PollingTransactionReceiptProcessor(web3j, 50, 600));
    }

    private static double median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static Path anvilBinary() throws IOException {
        Path modules =
                Path.of(System.getProperty("contracts.dir", "contracts"))
                        .resolve("node_modules/@foundry-rs");
        try (DirectoryStream<Path> platforms = Files.newDirectoryStream(modules, "anvil-*")) {
            for (Path platform : platforms) {
                Path bin = platform.resolve("bin/anvil");
                if (Files.isRegularFile(bin)) {
                    return bin;
                }
            }
        }
        throw new IOException("no anvil under " + modules + ": run npm ci in contracts/");
    }
}
