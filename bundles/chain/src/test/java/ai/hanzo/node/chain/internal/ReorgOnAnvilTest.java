package ai.hanzo.node.chain.internal;

import static ai.hanzo.node.chain.internal.ChainFixture.ETHER;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.chain.PendingTransaction;
import ai.hanzo.node.api.chain.TransactionResult;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A receipt's block that leaves the canonical chain, made on a real anvil with {@code
 * evm_snapshot}/{@code evm_revert} (the chain goes back to before the block; the transaction is
 * gone from the chain): the sender notices and sends the same signed transaction again.
 */
class ReorgOnAnvilTest {
    /** anvil's pre-funded account 3: only these tests use it. */
    private static final String ACCOUNT_KEY =
            "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static Anvil anvil;
    private static ChainFixture chain;
    @TempDir static Path keys;
    private static ChainFixture.Keystore operator;

    @BeforeAll
    static void startChain() throws Exception {
        anvil = Anvil.start(7_778);
        chain = ChainFixture.deploy(anvil);
        operator = ChainFixture.keystore(keys.resolve("reorg"), ACCOUNT_KEY);
    }

    @AfterAll
    static void stopChain() {
        chain.web3j.shutdown();
        anvil.close();
    }

    private static ChainSettings withConfirmations(ChainSettings s, int confirmations) {
        return new ChainSettings(
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
                confirmations,
                s.fixedGasLimit());
    }

    @Test
    void aResultWhoseBlockWasReorgedAwayIsAwaitedAgainAndTheTransactionResent() throws Exception {
        String nodeId = "reorg-" + UUID.randomUUID();
        try (RegistryStakingService staking =
                chain.service(chain.settings(operator), nodeId, "12D3KooW" + UUID.randomUUID())) {
            String snapshot = anvil.rpc("evm_snapshot").asText();
            PendingTransaction pending = staking.register(ETHER.multiply(BigInteger.TWO));
            TransactionResult first = pending.await(WAIT);

            // the block with the registration leaves the chain; other blocks take its height
            assertTrue(anvil.rpc("evm_revert", snapshot).asBoolean());
            anvil.rpc("anvil_mine", "0x2");
            assertTrue(!staking.operatorStatus().registered(), "the revert dropped it");

            TransactionResult again = pending.await(WAIT);
            assertEquals(first.transactionHash(), again.transactionHash());
            assertNotEquals(first.blockHash(), again.blockHash());
            assertEquals(
                    again.blockHash(),
                    anvil.rpc("eth_getBlockByNumber", hex(again.blockNumber()), false)
                            .get("hash")
                            .asText());
            assertTrue(staking.operatorStatus().registered());
            assertEquals(ETHER.multiply(BigInteger.TWO), staking.operatorStatus().stake());
        }
    }

    @Test
    void confirmationsFollowAReorgThatDropsTheBlockBeforeTheyAreReached() throws Exception {
        String nodeId = "reorg-" + UUID.randomUUID();
        try (RegistryStakingService staking =
                chain.service(
                        withConfirmations(chain.settings(operator), 3),
                        nodeId,
                        "12D3KooW" + UUID.randomUUID())) {
            String snapshot = anvil.rpc("evm_snapshot").asText();
            PendingTransaction pending = staking.register(ETHER.multiply(BigInteger.TWO));
            long sentAt = staking.jsonRpcRequests();
            String hash = pending.transactionHash();
            CompletableFuture<TransactionResult> awaited =
                    CompletableFuture.supplyAsync(() -> pending.await(WAIT));
            // automine put it in a block at once: the first receipt read found it, the reads after
            // it are the confirmation wait's block heights
            await().atMost(WAIT).until(() -> staking.jsonRpcRequests() >= sentAt + 3);
            String minedIn = anvil.rpc("eth_getTransactionReceipt", hash).get("blockHash").asText();

            assertTrue(anvil.rpc("evm_revert", snapshot).asBoolean());
            // blocks keep coming; the sender finds the transaction gone and sends it again
            await().atMost(WAIT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(
                            () -> {
                                anvil.rpc("anvil_mine", "0x1");
                                return awaited.isDone();
                            });
            TransactionResult result = awaited.join();
            assertEquals(hash, result.transactionHash());
            assertNotEquals(minedIn, result.blockHash());
            long head = Long.decode(anvil.rpc("eth_blockNumber").asText());
            assertTrue(head >= result.blockNumber() + 3, "three blocks on top of " + result);
            assertTrue(staking.operatorStatus().registered());
        }
    }

    private static String hex(long number) {
        return "0x" + Long.toHexString(number);
    }
}
