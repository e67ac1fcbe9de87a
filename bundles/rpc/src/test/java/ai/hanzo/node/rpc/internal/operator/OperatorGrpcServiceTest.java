package ai.hanzo.node.rpc.internal.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.DeadlineExceededException;
import ai.hanzo.node.api.UnavailableException;
import ai.hanzo.node.api.chain.ChainStatus;
import ai.hanzo.node.api.chain.OperatorStatus;
import ai.hanzo.node.api.chain.PeerStake;
import ai.hanzo.node.api.chain.PendingTransaction;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.api.chain.TransactionResult;
import ai.hanzo.node.api.chain.TransactionRevertedException;
import ai.hanzo.node.proto.v1.GetOperatorStatusRequest;
import ai.hanzo.node.proto.v1.OperatorServiceGrpc;
import ai.hanzo.node.proto.v1.OperatorStatusResponse;
import ai.hanzo.node.proto.v1.RegisterOperatorRequest;
import ai.hanzo.node.proto.v1.TransactionResponse;
import ai.hanzo.node.proto.v1.UpdateStakeRequest;
import ai.hanzo.node.proto.v1.WithdrawRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proto/api mapping of OperatorService, over an in-process server and a scripted chain. */
class OperatorGrpcServiceTest {
    private final ScriptedStaking staking = new ScriptedStaking();
    private Server server;
    private ManagedChannel channel;
    private OperatorServiceGrpc.OperatorServiceBlockingStub client;

    @BeforeEach
    void start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server =
                InProcessServerBuilder.forName(name)
                        .directExecutor()
                        .addService(new OperatorGrpcService(staking))
                        .build()
                        .start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        client = OperatorServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    @Test
    void statusCarriesEveryFieldAsDecimalWei() {
        OperatorStatusResponse status =
                client.getOperatorStatus(GetOperatorStatusRequest.getDefaultInstance());
        assertEquals("0xabc", status.getOperatorAddress());
        assertEquals("123456789012345678901234567890", status.getStakeWei());
        assertEquals("5", status.getPendingWithdrawalWei());
        assertEquals(1_700_000_000L, status.getWithdrawableAt());
        assertEquals(96369, status.getChainId());
        assertEquals(42, status.getBlockHeight());
        assertEquals("node-1", status.getNodeId());
        assertEquals("12D3KooWpeer", status.getPeerId());
        assertTrue(status.getRegistered());
        assertTrue(status.getSynced());
    }

    @Test
    void aMinedWriteReportsGasFeeNonceAndBlock() {
        TransactionResponse r =
                client.registerOperator(
                        RegisterOperatorRequest.newBuilder().setStakeWei("1000").build());
        assertEquals(List.of("register 1000"), staking.calls);
        assertTrue(r.getMined());
        assertTrue(r.getSuccess());
        assertEquals("0xfeed", r.getTransactionHash());
        assertEquals("0xblock", r.getBlockHash());
        assertEquals(7, r.getNonce());
        assertEquals("21000", r.getGasUsed());
        assertEquals("2000000000", r.getEffectiveGasPriceWei());
        assertEquals("register", r.getAction());
    }

    @Test
    void badAmountsAreInvalidAndSendNothing() {
        for (String bad : List.of("", "-1", "1.5", "0", "0x10")) {
            StatusRuntimeException e =
                    assertThrows(
                            StatusRuntimeException.class,
                            () ->
                                    client.registerOperator(
                                            RegisterOperatorRequest.newBuilder()
                                                    .setStakeWei(bad)
                                                    .build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), bad);
        }
        StatusRuntimeException e =
                assertThrows(
                        StatusRuntimeException.class,
                        () ->
                                client.updateStake(
                                        UpdateStakeRequest.newBuilder().setAmountWei("5").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertEquals(List.of(), staking.calls);
    }

    @Test
    void aRevertIsFailedPreconditionWithTheReason() {
        staking.outcome =
                () -> {
                    throw new TransactionRevertedException(
                            "withdraw would revert: WithdrawalLocked(5, 4); nothing was sent",
                            "WithdrawalLocked(5, 4)",
                            null);
                };
        StatusRuntimeException e =
                assertThrows(
                        StatusRuntimeException.class,
                        () -> client.withdraw(WithdrawRequest.getDefaultInstance()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("WithdrawalLocked(5, 4)"));
    }

    @Test
    void aTransactionNotMinedInTimeIsAnsweredWithItsHashAndNonce() {
        staking.outcome =
                () -> {
                    throw new DeadlineExceededException(
                            "withdraw transaction 0xfeed (nonce 7) is not mined after 1000 ms; it stays pending");
                };
        TransactionResponse r =
                client.withdraw(WithdrawRequest.newBuilder().setWaitSeconds(1).build());
        assertFalse(r.getMined());
        assertFalse(r.getSuccess());
        assertEquals("0xfeed", r.getTransactionHash());
        assertEquals(7, r.getNonce());
        assertEquals(Duration.ofSeconds(1), staking.lastWait);
    }

    @Test
    void aDeadEndpointIsUnavailable() {
        staking.outcome =
                () -> {
                    throw new UnavailableException(
                            "chain endpoint http://127.0.0.1:1 cannot be reached");
                };
        StatusRuntimeException e =
                assertThrows(
                        StatusRuntimeException.class,
                        () ->
                                client.updateStake(
                                        UpdateStakeRequest.newBuilder()
                                                .setDirection(
                                                        UpdateStakeRequest.Direction
                                                                .DIRECTION_INCREASE)
                                                .setAmountWei("5")
                                                .build()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    }

    /** A StakingService whose transactions end as the test says. */
    private static final class ScriptedStaking implements StakingService {
        interface Outcome {
            TransactionResult get();
        }

        final List<String> calls = new ArrayList<>();
        volatile Outcome outcome =
                () ->
                        new TransactionResult(
                                "0xfeed",
                                9,
                                "0xblock",
                                "0xabc",
                                7,
                                BigInteger.valueOf(21_000),
                                BigInteger.valueOf(2_000_000_000L));
        volatile Duration lastWait;

        private PendingTransaction pending(String action) {
            calls.add(action);
            String name = action.split(" ")[0];
            return new PendingTransaction() {
                @Override
                public String action() {
                    return name;
                }

                @Override
                public String transactionHash() {
                    return "0xfeed";
                }

                @Override
                public long nonce() {
                    return 7;
                }

                @Override
                public TransactionResult await(Duration timeout) {
                    lastWait = timeout;
                    return outcome.get();
                }
            };
        }

        @Override
        public ChainStatus chainStatus() {
            return new ChainStatus(true, 42, 96369, "hanzo-test", Instant.EPOCH, "");
        }

        @Override
        public OperatorStatus operatorStatus() {
            return new OperatorStatus(
                    "0xabc",
                    "node-1",
                    "12D3KooWpeer",
                    "/ip4/1.2.3.4/tcp/9000",
                    true,
                    new BigInteger("123456789012345678901234567890"),
                    BigInteger.valueOf(5),
                    Optional.of(Instant.ofEpochSecond(1_700_000_000L)),
                    false,
                    chainStatus());
        }

        @Override
        public PendingTransaction register(BigInteger stakeWei) {
            return pending("register " + stakeWei);
        }

        @Override
        public PendingTransaction addStake(BigInteger amountWei) {
            return pending("addStake " + amountWei);
        }

        @Override
        public PendingTransaction requestUnstake(BigInteger amountWei) {
            return pending("requestUnstake " + amountWei);
        }

        @Override
        public PendingTransaction withdraw() {
            return pending("withdraw");
        }

        @Override
        public PendingTransaction updateEndpoint(String endpoint) {
            return pending("updateEndpoint " + endpoint);
        }

        @Override
        public PendingTransaction deregister() {
            return pending("deregister");
        }

        @Override
        public Optional<PeerStake> peerStake(String peerId) {
            return Optional.empty();
        }

        @Override
        public Optional<PeerStake> cachedPeerStake(String peerId) {
            return Optional.empty();
        }
    }
}
