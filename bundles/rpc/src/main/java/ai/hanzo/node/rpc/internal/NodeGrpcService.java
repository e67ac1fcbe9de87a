package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.chain.ChainStatus;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.api.inference.InferenceService;
import ai.hanzo.node.api.inference.ModelInfo;
import ai.hanzo.node.api.inference.ModelState;
import ai.hanzo.node.api.node.HealthReport;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.proto.v1.ConsensusStatus;
import ai.hanzo.node.proto.v1.GetHealthRequest;
import ai.hanzo.node.proto.v1.GetHealthResponse;
import ai.hanzo.node.proto.v1.HealthStatus;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code hanzo.node.v1.NodeService}, answered from the live node. RPCs of areas that are not
 * installed yet answer UNIMPLEMENTED (the generated base class's behaviour), never canned data.
 */
final class NodeGrpcService extends NodeServiceGrpc.NodeServiceImplBase {
    private final NodeLifecycle lifecycle;
    private final Supplier<Optional<InferenceService>> inference;
    private final Supplier<Optional<StakingService>> staking;
    private final Supplier<Boolean> mlxEnabled;

    NodeGrpcService(
            NodeLifecycle lifecycle,
            Supplier<Optional<InferenceService>> inference,
            Supplier<Optional<StakingService>> staking,
            Supplier<Boolean> mlxEnabled) {
        this.lifecycle = lifecycle;
        this.inference = inference;
        this.staking = staking;
        this.mlxEnabled = mlxEnabled;
    }

    @Override
    public void getHealth(GetHealthRequest request, StreamObserver<GetHealthResponse> response) {
        try {
            HealthReport health = lifecycle.health();
            List<String> models =
                    inference.get().map(InferenceService::models).orElse(List.of()).stream()
                            .filter(model -> model.state() == ModelState.READY)
                            .map(ModelInfo::modelId)
                            .sorted()
                            .toList();
            ConsensusStatus.Builder consensus =
                    ConsensusStatus.newBuilder().setNetworkId(lifecycle.info().networkId());
            Optional<StakingService> chain = staking.get();
            if (chain.isPresent()) {
                ChainStatus status = chain.get().chainStatus();
                consensus.setSynced(status.synced()).setBlockHeight(status.blockHeight());
            }
            response.onNext(
                    GetHealthResponse.newBuilder()
                            .setStatus(toWire(health.status()))
                            .setVersion(lifecycle.info().version())
                            .setMlxEnabled(mlxEnabled.get())
                            .addAllModels(models)
                            .setConsensus(consensus)
                            .build());
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of(e));
        }
    }

    static HealthStatus toWire(ai.hanzo.node.api.node.HealthStatus status) {
        return switch (status) {
            case HEALTHY -> HealthStatus.HEALTH_STATUS_HEALTHY;
            case DEGRADED -> HealthStatus.HEALTH_STATUS_DEGRADED;
            case UNHEALTHY -> HealthStatus.HEALTH_STATUS_UNHEALTHY;
        };
    }
}
