package ai.hanzo.node.chain.internal;

import static ai.hanzo.node.chain.internal.ChainFixture.ETHER;
import static ai.hanzo.node.chain.internal.ChainFixture.MIN_STAKE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.DeadlineExceededException;
import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.UnavailableException;
import ai.hanzo.node.api.chain.ChainStatus;
import ai.hanzo.node.api.chain.OperatorStatus;
import ai.hanzo.node.api.chain.PeerStake;
import ai.hanzo.node.api.chain.PendingTransaction;
import ai.hanzo.node.api.chain.TransactionResult;
import ai.hanzo.node.api.chain.TransactionRevertedException;
import ai.hanzo.node.chain.internal.contract.NodeRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.tx.FastRawTransactionManager;
import org.web3j.tx.Transfer;
import org.web3j.utils.Convert;
import org.web3j.utils.Numeric;

/** StakingService against a real anvil with the real registry contract deployed. */
class StakingOnAnvilTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static Anvil anvil;
    private static ChainFixture chain;
    @TempDir static Path keys;
    private static ChainFixture.Keystore operator;

    @BeforeAll
    static void startChain() throws Exception {
        anvil = Anvil.start(7_777);
        chain = ChainFixture.deploy(anvil);
        operator = ChainFixture.keystore(keys.resolve("operator"), Anvil.OPERATOR_KEY);
    }

    @AfterAll
    static void stopChain() {
        chain.web3j.shutdown();
        anvil.close();
    }

    private static String nodeId() {
        return "node-" + UUID.randomUUID();
    }

    private static String peerId() {
        return "12D3KooW" + UUID.randomUUID().toString().replace("-", "");
    }

    private BigInteger balance(String address) throws Exception {
        return chain.web3j
                .ethGetBalance(address, DefaultBlockParameterName.LATEST)
                .send()
                .getBalance();
    }

    @Test
    void registerStakeUnstakeWithdrawUpdateAndDeregister() throws Exception {
        String nodeId = nodeId();
        String peerId = peerId();
        try (RegistryStakingService staking =
                chain.service(chain.settings(operator), nodeId, peerId)) {
            ChainStatus status = staking.refresh();
            assertTrue(status.synced(), status.problem());
            assertEquals(7_777, status.chainId());
            assertFalse(staking.operatorStatus().registered());

            TransactionResult registered =
                    staking.register(ETHER.multiply(BigInteger.TWO)).await(WAIT);
            assertTrue(registered.gasUsed().signum() > 0);
            assertTrue(registered.effectiveGasPriceWei().signum() > 0);
            assertTrue(registered.blockHash().matches("0x[0-9a-f]{64}"), registered.blockHash());
            assertEquals(
                    Keys.toChecksumAddress(staking.operatorStatus().operatorAddress())
                            .toLowerCase(),
                    registered.from());
            OperatorStatus afterRegister = staking.operatorStatus();
            assertTrue(afterRegister.registered());
            assertEquals(ETHER.multiply(BigInteger.TWO), afterRegister.stake());
            assertEquals(peerId, afterRegister.peerId());
            assertEquals("/ip4/127.0.0.1/tcp/9000", afterRegister.endpoint());

            TransactionResult added = staking.addStake(ETHER).await(WAIT);
            assertEquals(registered.nonce() + 1, added.nonce());
            assertEquals(ETHER.multiply(BigInteger.valueOf(3)), staking.operatorStatus().stake());

            staking.requestUnstake(ETHER).await(WAIT);
            OperatorStatus unbonding = staking.operatorStatus();
            assertEquals(ETHER.multiply(BigInteger.TWO), unbonding.stake());
            assertEquals(ETHER, unbonding.pendingWithdrawal());
            assertTrue(unbonding.withdrawableAt().isPresent());

            // too early: the estimate reverts with the contract's reason and nothing is sent
            long nonceBefore =
                    chain.web3j
                            .ethGetTransactionCount(
                                    afterRegister.operatorAddress(),
                                    DefaultBlockParameterName.PENDING)
                            .send()
                            .getTransactionCount()
                            .longValue();
            TransactionRevertedException early =
                    assertThrows(TransactionRevertedException.class, staking::withdraw);
            assertTrue(early.reason().startsWith("WithdrawalLocked("), early.reason());
            assertTrue(early.transactionHash().isEmpty());
            assertEquals(
                    nonceBefore,
                    chain.web3j
                            .ethGetTransactionCount(
                                    afterRegister.operatorAddress(),
                                    DefaultBlockParameterName.PENDING)
                            .send()
                            .getTransactionCount()
                            .longValue());

            anvil.increaseTime(ChainFixture.UNBONDING_SECONDS + 1);
            BigInteger before = balance(afterRegister.operatorAddress());
            TransactionResult withdrawn = staking.withdraw().await(WAIT);
            BigInteger after = balance(afterRegister.operatorAddress());
            assertEquals(before.add(ETHER).subtract(withdrawn.feeWei()), after);
            assertEquals(BigInteger.ZERO, staking.operatorStatus().pendingWithdrawal());

            staking.updateEndpoint("/dns4/node.example/tcp/9000").await(WAIT);
            assertEquals("/dns4/node.example/tcp/9000", staking.operatorStatus().endpoint());

            staking.deregister().await(WAIT);
            OperatorStatus gone = staking.operatorStatus();
            assertFalse(gone.registered());
            assertEquals(BigInteger.ZERO, gone.stake());
            assertEquals(ETHER.multiply(BigInteger.TWO), gone.pendingWithdrawal());
            PeerStake peer = staking.peerStake(peerId).orElseThrow();
            assertFalse(peer.registered());
        }
    }

    @Test
    void slashingIsVisibleInStatusAndPeerStake() throws Exception {
        String nodeId = nodeId();
        String peerId = peerId();
        try (RegistryStakingService staking =
                chain.service(chain.settings(operator), nodeId, peerId)) {
            staking.register(ETHER.multiply(BigInteger.TEN)).await(WAIT);
            chain.asOwner().slash(nodeId, BigInteger.valueOf(1_000), "served wrong results").send();
            OperatorStatus status = staking.operatorStatus();
            assertTrue(status.slashed());
            assertEquals(ETHER.multiply(BigInteger.valueOf(9)), status.stake());
            PeerStake peer = staking.peerStake(peerId).orElseThrow();
            assertTrue(peer.registered());
            assertTrue(peer.slashed());
            assertEquals(ETHER.multiply(BigInteger.valueOf(9)), peer.stake());
            assertTrue(staking.peerStake(peerId()).isEmpty(), "an unknown peer has no record");
            staking.deregister().await(WAIT);
        }
    }

    @Test
    void cachedPeerStakesAreReadInTheBackgroundAndNeverBlock() throws Exception {
        String peerId = peerId();
        ExecutorService background = Executors.newSingleThreadExecutor();
        CountDownLatch hold = new CountDownLatch(1);
        try (RegistryStakingService staking =
                chain.service(chain.settings(operator), nodeId(), peerId, background)) {
            staking.register(ETHER.multiply(BigInteger.valueOf(3))).await(WAIT);
            // while the background is busy the answer is the cache's: nothing known yet
            background.execute(
                    () -> {
                        try {
                            hold.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
            assertTrue(staking.cachedPeerStake(peerId).isEmpty());
            hold.countDown();
            org.awaitility.Awaitility.await()
                    .atMost(WAIT)
                    .until(() -> staking.cachedPeerStake(peerId).isPresent());
            PeerStake cached = staking.cachedPeerStake(peerId).orElseThrow();
            assertTrue(cached.registered());
            assertEquals(ETHER.multiply(BigInteger.valueOf(3)), cached.stake());
            staking.deregister().await(WAIT);
        } finally {
            background.shutdownNow();
        }
    }

    @Test
    void stakeBelowMinimumIsRefusedWithTheContractsReasonBeforeSending() {
        try (RegistryStakingService staking =
                chain.service(chain.settings(operator), nodeId(), peerId())) {
            TransactionRevertedException e =
                    assertThrows(
                            TransactionRevertedException.class,
                            () -> staking.register(MIN_STAKE.subtract(BigInteger.ONE)));
            assertEquals(
                    "StakeBelowMinimum("
                            + MIN_STAKE.subtract(BigInteger.ONE)
                            + ", "
                            + MIN_STAKE
                            + ")",
                    e.reason());
            assertTrue(e.getMessage().contains("nothing was sent"), e.getMessage());
            assertThrows(InvalidArgumentException.class, () -> staking.register(BigInteger.ZERO));
        }
    }

    @Test
    void aMinedRevertIsReplayedAtItsBlockForTheReason() throws Exception {
        try (RegistryStakingService staking =
                chain.service(chain.settings(operator), nodeId(), peerId())) {
            staking.register(ETHER.multiply(BigInteger.valueOf(3))).await(WAIT);
            NodeRegistry owner = chain.asOwner();
            anvil.automine(false);
            PendingTransaction unstake;
            try {
                // passes its estimate; then the owner raises the minimum with a higher fee, so
                // the block runs the owner's change first and the unstake reverts when mined
                unstake = staking.requestUnstake(ETHER);
                ChainFixture.deployerManager(chain.web3j, anvil)
                        .sendTransaction(
                                BigInteger.valueOf(50_000_000_000L),
                                BigInteger.valueOf(200_000),
                                chain.contract,
                                owner.setMinStake(ETHER.multiply(BigInteger.valueOf(3)))
                                        .encodeFunctionCall(),
                                BigInteger.ZERO);
                anvil.rpc("evm_mine");
            } finally {
                anvil.automine(true);
            }
            try {
                TransactionRevertedException e =
                        assertThrows(TransactionRevertedException.class, () -> unstake.await(WAIT));
                assertEquals(
                        "StakeBelowMinimum("
                                + ETHER.multiply(BigInteger.TWO)
                                + ", "
                                + ETHER.multiply(BigInteger.valueOf(3))
                                + ")",
                        e.reason());
                assertEquals(unstake.transactionHash(), e.transactionHash().orElseThrow());
                assertTrue(e.getMessage().contains("reverted in block"), e.getMessage());
            } finally {
                owner.setMinStake(MIN_STAKE).send();
            }
            staking.deregister().await(WAIT);
        }
    }

    @Test
    void aFixedGasLimitSkipsTheEstimateAndAMinedRevertStillNamesItsReason() throws Exception {
        ChainSettings s = chain.settings(operator);
        ChainSettings fixed =
                new ChainSettings(
                        s.profile(),
                        s.rpcUrl(),
                        s.chainId(),
                        s.contractAddress(),
                        s.keystore(),
                        s.passwordFile(),
                        s.passwordEnv(),
                        s.endpoint(),
                        s.eip1559(),
                        s.gasCap(),
                        s.maxFeePerGasCapWei(),
                        s.pollInterval(),
                        s.replaceAfter(),
                        s.feeBumpPercent(),
                        s.maxReplacements(),
                        s.refreshInterval(),
                        s.requestTimeout(),
                        s.confirmations(),
                        BigInteger.valueOf(400_000));
        try (RegistryStakingService staking = chain.service(fixed, nodeId(), peerId())) {
            staking.register(ETHER.multiply(BigInteger.TWO)).await(WAIT);
            // the fixed limit replaces the estimate: one send and no eth_estimateGas (the receipt
            // polls and fee lookups around it vary with timing, so they are not counted)
            long estimates = staking.jsonRpcCalls("eth_estimateGas");
            long sends = staking.jsonRpcCalls("eth_sendRawTransaction");
            TransactionResult added = staking.addStake(ETHER).await(WAIT);
            assertTrue(added.gasUsed().compareTo(BigInteger.valueOf(400_000)) < 0);
            assertEquals(1, staking.jsonRpcCalls("eth_sendRawTransaction") - sends);
            assertEquals(0, staking.jsonRpcCalls("eth_estimateGas") - estimates, "no estimate");

            // no estimate refuses it before sending: it is mined, reverts, and the replay names why
            PendingTransaction tooMuch = staking.requestUnstake(ETHER.multiply(BigInteger.TEN));
            TransactionRevertedException e =
                    assertThrows(TransactionRevertedException.class, () -> tooMuch.await(WAIT));
            assertTrue(e.reason().startsWith("InsufficientStake"), e.reason());
            assertEquals(tooMuch.transactionHash(), e.transactionHash().orElseThrow());
            staking.deregister().await(WAIT);
        }
        assertThrows(
                InvalidArgumentException.class,
                () ->
                        new ChainSettings(
                                s.profile(),
                                s.rpcUrl(),
                                s.chainId(),
                                s.contractAddress(),
                                s.keystore(),
                                s.passwordFile(),
                                s.passwordEnv(),
                                s.endpoint(),
                                s.eip1559(),
                                s.gasCap(),
                                s.maxFeePerGasCapWei(),
                                s.pollInterval(),
                                s.replaceAfter(),
                                s.feeBumpPercent(),
                                s.maxReplacements(),
                                s.refreshInterval(),
                                s.requestTimeout(),
                                s.confirmations(),
                                s.gasCap().add(BigInteger.ONE)));
    }

    @Test
    void concurrentWritesFromOneAccountGetDistinctNonces() throws Exception {
        String nodeId = nodeId();
        try (RegistryStakingService staking =
                        chain.service(chain.settings(operator), nodeId, peerId());
                RegistryStakingService second =
                        chain.service(chain.settings(operator), nodeId, peerId())) {
            staking.register(ETHER).await(WAIT);
            int writers = 8;
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<TransactionResult>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                RegistryStakingService client = i % 2 == 0 ? staking : second;
                results.add(
                        pool.submit(
                                () -> {
                                    go.await();
                                    return client.addStake(BigInteger.valueOf(1_000)).await(WAIT);
                                }));
            }
            go.countDown();
            Set<Long> nonces = new HashSet<>();
            for (Future<TransactionResult> result : results) {
                nonces.add(result.get().nonce());
            }
            pool.shutdown();
            assertEquals(writers, nonces.size(), "every write its own nonce");
            assertEquals(
                    ETHER.add(BigInteger.valueOf(1_000L * writers)),
                    staking.operatorStatus().stake());
            staking.deregister().await(WAIT);
        }
    }

    @Test
    void writesGoOnAfterARestartAndAfterAnotherClientUsedTheAccount() throws Exception {
        String nodeId = nodeId();
        String peerId = peerId();
        try (RegistryStakingService before =
                chain.service(chain.settings(operator), nodeId, peerId)) {
            before.register(ETHER).await(WAIT);
        }
        // a new process starts with no nonce in memory
        NonceSource.forgetAll();
        try (RegistryStakingService after =
                chain.service(chain.settings(operator), nodeId, peerId)) {
            after.addStake(BigInteger.ONE).await(WAIT);
            // a wallet outside the node spends a nonce of the same account
            FastRawTransactionManager wallet =
                    new FastRawTransactionManager(
                            chain.web3j, Credentials.create(Anvil.OPERATOR_KEY), anvil.chainId());
            new Transfer(chain.web3j, wallet)
                    .sendFunds(
                            Credentials.create(Anvil.DEPLOYER_KEY).getAddress(),
                            java.math.BigDecimal.ONE,
                            Convert.Unit.WEI)
                    .send();
            // the node's next nonce is now too low: it resyncs and sends once more
            TransactionResult result = after.addStake(BigInteger.ONE).await(WAIT);
            assertEquals(ETHER.add(BigInteger.TWO), after.operatorStatus().stake());
            assertTrue(result.nonce() > 0);
            after.deregister().await(WAIT);
        }
    }

    @Test
    void aStuckTransactionIsReportedThenReplacedWithAHigherFee() throws Exception {
        try (RegistryStakingService staking =
                chain.service(
                        chain.settings(
                                operator,
                                anvil.chainId(),
                                ChainProfile.LOCAL,
                                Duration.ofMillis(300)),
                        nodeId(),
                        peerId())) {
            staking.register(ETHER).await(WAIT);
            anvil.automine(false);
            PendingTransaction pending;
            String firstHash;
            try {
                pending = staking.addStake(BigInteger.TEN);
                firstHash = pending.transactionHash();
                DeadlineExceededException stuck =
                        assertThrows(
                                DeadlineExceededException.class,
                                () -> pending.await(Duration.ofSeconds(1)));
                assertTrue(
                        stuck.getMessage().contains("nonce " + pending.nonce()),
                        stuck.getMessage());
                assertTrue(stuck.getMessage().contains("replaced"), stuck.getMessage());
                anvil.rpc("evm_mine");
            } finally {
                anvil.automine(true);
            }
            TransactionResult mined = pending.await(WAIT);
            assertNotEquals(firstHash, mined.transactionHash(), "the replacement was mined");
            assertEquals(pending.transactionHash(), mined.transactionHash());
            assertTrue(
                    chain.web3j
                            .ethGetTransactionReceipt(firstHash)
                            .send()
                            .getTransactionReceipt()
                            .isEmpty());
            assertEquals(ETHER.add(BigInteger.TEN), staking.operatorStatus().stake());
            staking.deregister().await(WAIT);
        }
    }

    @Test
    void aWrongChainIdIsReportedAndNothingIsSent() throws Exception {
        try (RegistryStakingService staking =
                chain.service(
                        chain.settings(
                                operator, 96_369, ChainProfile.MAINNET, Duration.ofSeconds(60)),
                        nodeId(),
                        peerId())) {
            ChainStatus status = staking.refresh();
            assertFalse(status.synced());
            assertTrue(status.problem().contains("serves chain id 7777"), status.problem());
            long count =
                    chain.web3j
                            .ethGetTransactionCount(
                                    Credentials.create(Anvil.OPERATOR_KEY).getAddress(),
                                    DefaultBlockParameterName.PENDING)
                            .send()
                            .getTransactionCount()
                            .longValue();
            FailedPreconditionException e =
                    assertThrows(FailedPreconditionException.class, () -> staking.register(ETHER));
            assertTrue(e.getMessage().contains("expects 96369"), e.getMessage());
            assertTrue(e.getMessage().contains("nothing was sent"), e.getMessage());
            assertEquals(
                    count,
                    chain.web3j
                            .ethGetTransactionCount(
                                    Credentials.create(Anvil.OPERATOR_KEY).getAddress(),
                                    DefaultBlockParameterName.PENDING)
                            .send()
                            .getTransactionCount()
                            .longValue());
        }
    }

    @Test
    void anEmptyAccountGetsAnInsufficientFundsErrorWithItsBalance(@TempDir Path dir)
            throws Exception {
        String key =
                Numeric.toHexStringWithPrefixZeroPadded(Keys.createEcKeyPair().getPrivateKey(), 64);
        ChainFixture.Keystore empty = ChainFixture.keystore(dir, key);
        try (RegistryStakingService staking =
                chain.service(chain.settings(empty), nodeId(), peerId())) {
            FailedPreconditionException e =
                    assertThrows(FailedPreconditionException.class, () -> staking.register(ETHER));
            assertTrue(e.getMessage().contains("insufficient funds"), e.getMessage());
            assertTrue(e.getMessage().contains("holds 0 wei"), e.getMessage());
        }
    }

    @Test
    void aDeadEndpointIsUnavailableAndStatusRecovers(@TempDir Path dir) throws Exception {
        try (Anvil own = Anvil.start(7_778)) {
            ChainFixture dying = ChainFixture.deploy(own);
            try (RegistryStakingService staking =
                    dying.service(dying.settings(operator), nodeId(), peerId())) {
                assertTrue(staking.refresh().synced());
                own.stop();
                ChainStatus down = staking.refresh();
                assertFalse(down.synced());
                assertTrue(down.problem().contains("cannot be reached"), down.problem());
                assertEquals(down, staking.chainStatus(), "the cached status is what health reads");
                assertThrows(UnavailableException.class, staking::operatorStatus);
                UnavailableException send =
                        assertThrows(UnavailableException.class, () -> staking.register(ETHER));
                assertTrue(send.getMessage().contains(own.url()), send.getMessage());
                own.launch();
                assertTrue(staking.refresh().synced(), staking.chainStatus().problem());
            } finally {
                dying.web3j.shutdown();
            }
        }
    }

    @Test
    void keyAndPasswordNeverAppearInLogsStatusesOrErrors(@TempDir Path dir) throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<String> texts = new ArrayList<>();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            String nodeId = nodeId();
            try (RegistryStakingService staking =
                    chain.service(chain.settings(operator), nodeId, peerId())) {
                TransactionResult r = staking.register(ETHER).await(WAIT);
                texts.add(r.toString());
                texts.add(staking.operatorStatus().toString());
                texts.add(staking.refresh().toString());
                texts.add(chain.settings(operator).toString());
                texts.add(
                        assertThrows(
                                        TransactionRevertedException.class,
                                        () -> staking.register(ETHER))
                                .getMessage());
                staking.deregister().await(WAIT);
            }
            // a wrong password: the error names where it came from, never what it is
            ChainFixture.Keystore wrong = ChainFixture.keystore(dir, Anvil.OPERATOR_KEY);
            java.nio.file.Files.writeString(wrong.passwordFile(), "not-the-password-91c2");
            try (RegistryStakingService staking =
                    chain.service(chain.settings(wrong), nodeId(), peerId())) {
                FailedPreconditionException e =
                        assertThrows(
                                FailedPreconditionException.class, () -> staking.register(ETHER));
                assertTrue(e.getMessage().contains("could not be decrypted"), e.getMessage());
                texts.add(e.getMessage());
            }
        } finally {
            System.setErr(original);
        }
        String logs = captured.toString(StandardCharsets.UTF_8);
        assertTrue(logs.contains("sent register"), "the capture saw the service's logs: " + logs);
        texts.add(logs);
        String keyHex = Anvil.OPERATOR_KEY.substring(2);
        for (String text : texts) {
            assertFalse(text.contains(ChainFixture.PASSWORD), text);
            assertFalse(text.contains("not-the-password-91c2"), text);
            assertFalse(text.toLowerCase().contains(keyHex), text);
        }
    }
}
