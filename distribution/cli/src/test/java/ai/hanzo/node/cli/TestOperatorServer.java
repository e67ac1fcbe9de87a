package ai.hanzo.node.cli;

import ai.hanzo.node.api.ErrorCode;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.chain.ChainStatus;
import ai.hanzo.node.api.chain.OperatorStatus;
import ai.hanzo.node.api.chain.PendingTransaction;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.api.chain.TransactionResult;
import ai.hanzo.node.chain.internal.StandaloneChainClient;
import ai.hanzo.node.proto.v1.DeregisterRequest;
import ai.hanzo.node.proto.v1.GetOperatorStatusRequest;
import ai.hanzo.node.proto.v1.OperatorServiceGrpc;
import ai.hanzo.node.proto.v1.OperatorStatusResponse;
import ai.hanzo.node.proto.v1.RegisterOperatorRequest;
import ai.hanzo.node.proto.v1.TransactionResponse;
import ai.hanzo.node.proto.v1.UpdateEndpointRequest;
import ai.hanzo.node.proto.v1.UpdateStakeRequest;
import ai.hanzo.node.proto.v1.WithdrawRequest;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * A node's OperatorService on loopback for the CLI's through-the-node path: the API key check and
 * the wire mapping of the node's rpc bundle, over a real {@link StakingService} (the chain client
 * against a real anvil).
 */
final class TestOperatorServer implements AutoCloseable {
    static final String KEY = "operator-test-key-0c1d";
    private static final Metadata.Key<String> API_KEY =
            Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);

    private final StandaloneChainClient chain;
    private final Server server;

    TestOperatorServer(StandaloneChainClient chain) throws Exception {
        this.chain = chain;
        ServerInterceptor auth =
                new ServerInterceptor() {
                    @Override
                    public <Q, R> ServerCall.Listener<Q> interceptCall(
                            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                        if (!KEY.equals(headers.get(API_KEY))) {
                            call.close(
                                    Status.UNAUTHENTICATED.withDescription("bad key"),
                                    new Metadata());
                            return new ServerCall.Listener<>() {};
                        }
                        return next.startCall(call, headers);
                    }
                };
        server =
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                        .addService(ServerInterceptors.intercept(new Service(), auth))
                        .build()
                        .start();
    }

    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Service extends OperatorServiceGrpc.OperatorServiceImplBase {
        @Override
        public void getOperatorStatus(
                GetOperatorStatusRequest request, StreamObserver<OperatorStatusResponse> out) {
            answer(
                    out,
                    () -> {
                        ChainStatus c = chain.readChain();
                        OperatorStatus s = chain.staking().operatorStatus();
                        return OperatorStatusResponse.newBuilder()
                                .setOperatorAddress(s.operatorAddress())
                                .setRegistered(s.registered())
                                .setStakeWei(s.stake().toString())
                                .setPendingWithdrawalWei(s.pendingWithdrawal().toString())
                                .setWithdrawableAt(
                                        s.withdrawableAt().map(Instant::getEpochSecond).orElse(0L))
                                .setSlashed(s.slashed())
                                .setChainId(c.chainId())
                                .setBlockHeight(c.blockHeight())
                                .setSynced(c.synced())
                                .setNodeId(s.nodeId())
                                .setPeerId(s.peerId())
                                .setEndpoint(s.endpoint())
                                .setProblem(c.problem())
                                .build();
                    });
        }

        @Override
        public void registerOperator(
                RegisterOperatorRequest request, StreamObserver<TransactionResponse> out) {
            write(
                    out,
                    () -> chain.staking().register(new BigInteger(request.getStakeWei())),
                    request.getWaitSeconds());
        }

        @Override
        public void updateStake(
                UpdateStakeRequest request, StreamObserver<TransactionResponse> out) {
            BigInteger amount = new BigInteger(request.getAmountWei());
            write(
                    out,
                    () ->
                            request.getDirection()
                                            == UpdateStakeRequest.Direction.DIRECTION_INCREASE
                                    ? chain.staking().addStake(amount)
                                    : chain.staking().requestUnstake(amount),
                    request.getWaitSeconds());
        }

        @Override
        public void withdraw(WithdrawRequest request, StreamObserver<TransactionResponse> out) {
            write(out, () -> chain.staking().withdraw(), request.getWaitSeconds());
        }

        @Override
        public void updateEndpoint(
                UpdateEndpointRequest request, StreamObserver<TransactionResponse> out) {
            write(
                    out,
                    () -> chain.staking().updateEndpoint(request.getEndpoint()),
                    request.getWaitSeconds());
        }

        @Override
        public void deregister(DeregisterRequest request, StreamObserver<TransactionResponse> out) {
            write(out, () -> chain.staking().deregister(), request.getWaitSeconds());
        }

        private void write(
                StreamObserver<TransactionResponse> out,
                Supplier<PendingTransaction> send,
                int waitSeconds) {
            answer(
                    out,
                    () -> {
                        PendingTransaction pending = send.get();
                        TransactionResult r = pending.await(Duration.ofSeconds(waitSeconds));
                        return TransactionResponse.newBuilder()
                                .setAction(pending.action())
                                .setTransactionHash(r.transactionHash())
                                .setBlockNumber(r.blockNumber())
                                .setBlockHash(r.blockHash())
                                .setFrom(r.from())
                                .setNonce(r.nonce())
                                .setGasUsed(r.gasUsed().toString())
                                .setEffectiveGasPriceWei(r.effectiveGasPriceWei().toString())
                                .setSuccess(true)
                                .setMined(true)
                                .setMessage(pending.action() + " mined in block " + r.blockNumber())
                                .build();
                    });
        }

        private <T> void answer(StreamObserver<T> out, Supplier<T> work) {
            try {
                out.onNext(work.get());
                out.onCompleted();
            } catch (NodeException e) {
                Status status =
                        e.code() == ErrorCode.INVALID_ARGUMENT
                                ? Status.INVALID_ARGUMENT
                                : e.code() == ErrorCode.UNAVAILABLE
                                        ? Status.UNAVAILABLE
                                        : Status.FAILED_PRECONDITION;
                out.onError(status.withDescription(e.getMessage()).asRuntimeException());
            }
        }
    }
}
