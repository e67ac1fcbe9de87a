package ai.hanzo.node.rpc.internal.operator;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.chain.PendingTransaction;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.proto.v1.DeregisterRequest;
import ai.hanzo.node.proto.v1.GetOperatorStatusRequest;
import ai.hanzo.node.proto.v1.OperatorServiceGrpc;
import ai.hanzo.node.proto.v1.OperatorStatusResponse;
import ai.hanzo.node.proto.v1.RegisterOperatorRequest;
import ai.hanzo.node.proto.v1.TransactionResponse;
import ai.hanzo.node.proto.v1.UpdateEndpointRequest;
import ai.hanzo.node.proto.v1.UpdateStakeRequest;
import ai.hanzo.node.proto.v1.WithdrawRequest;
import ai.hanzo.node.rpc.internal.ErrorStatus;
import ai.hanzo.node.rpc.internal.GrpcService;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.function.Supplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code hanzo.node.v1.OperatorService} over the node's {@link StakingService}: present only while
 * a chain client is running. The server's auth interceptor decides who may call what (status needs
 * operator/read, every write operator/update); each write is one explicit operator action.
 */
@Component(service = GrpcService.class)
public final class OperatorGrpcService extends OperatorServiceGrpc.OperatorServiceImplBase
        implements GrpcService {
    private final Logger logger = LoggerFactory.getLogger(OperatorGrpcService.class);
    private final StakingService staking;

    /**
     * @param staking the chain client
     */
    @Activate
    public OperatorGrpcService(@Reference StakingService staking) {
        this.staking = staking;
    }

    @Override
    public void getOperatorStatus(
            GetOperatorStatusRequest request, StreamObserver<OperatorStatusResponse> response) {
        try {
            response.onNext(OperatorMessages.status(staking.operatorStatus()));
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of(e));
        }
    }

    @Override
    public void registerOperator(
            RegisterOperatorRequest request, StreamObserver<TransactionResponse> response) {
        write(
                "register",
                () -> staking.register(OperatorMessages.wei(request.getStakeWei(), "stake_wei")),
                request.getWaitSeconds(),
                response);
    }

    @Override
    public void updateStake(
            UpdateStakeRequest request, StreamObserver<TransactionResponse> response) {
        write(
                "update stake",
                () -> {
                    var amount = OperatorMessages.wei(request.getAmountWei(), "amount_wei");
                    return switch (request.getDirection()) {
                        case DIRECTION_INCREASE -> staking.addStake(amount);
                        case DIRECTION_DECREASE -> staking.requestUnstake(amount);
                        default ->
                                throw new InvalidArgumentException(
                                        "direction must be DIRECTION_INCREASE or"
                                                + " DIRECTION_DECREASE");
                    };
                },
                request.getWaitSeconds(),
                response);
    }

    @Override
    public void withdraw(WithdrawRequest request, StreamObserver<TransactionResponse> response) {
        write("withdraw", staking::withdraw, request.getWaitSeconds(), response);
    }

    @Override
    public void updateEndpoint(
            UpdateEndpointRequest request, StreamObserver<TransactionResponse> response) {
        write(
                "update endpoint",
                () -> staking.updateEndpoint(request.getEndpoint()),
                request.getWaitSeconds(),
                response);
    }

    @Override
    public void deregister(
            DeregisterRequest request, StreamObserver<TransactionResponse> response) {
        write("deregister", staking::deregister, request.getWaitSeconds(), response);
    }

    private void write(
            String what,
            Supplier<PendingTransaction> send,
            int waitSeconds,
            StreamObserver<TransactionResponse> response) {
        try {
            Duration wait = OperatorMessages.waitFor(waitSeconds);
            PendingTransaction pending = send.get();
            logger.info(
                    "operator {}: transaction {} (nonce {}) sent",
                    what,
                    pending.transactionHash(),
                    pending.nonce());
            response.onNext(OperatorMessages.outcome(pending, wait));
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of(e));
        }
    }
}
