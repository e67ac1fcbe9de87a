package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.UnavailableException;
import ai.hanzo.node.api.compute.Orchestrator;
import ai.hanzo.node.proto.v1.DeploymentStatus;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The deployment side of NodeService, served by the {@link Orchestrator} when one is registered;
 * without one, those RPCs answer UNAVAILABLE and the status lists no deployments.
 */
final class DeploymentRpcs {
    private final Supplier<Optional<Orchestrator>> orchestrator;

    DeploymentRpcs(Supplier<Optional<Orchestrator>> orchestrator) {
        this.orchestrator = orchestrator;
    }

    Orchestrator orchestrator() {
        return orchestrator
                .get()
                .orElseThrow(
                        () ->
                                new UnavailableException(
                                        "no Orchestrator is running on this node (the compute"
                                                + " bundle is not started); deployments are not"
                                                + " available"));
    }

    /**
     * @return the deployments' statuses, or none without an Orchestrator
     */
    List<DeploymentStatus> statuses() {
        Optional<Orchestrator> current = orchestrator.get();
        if (current.isEmpty()) {
            return List.of();
        }
        return current.get().statuses().stream()
                .map(
                        s ->
                                DeploymentStatus.newBuilder()
                                        .setDeploymentId(s.deploymentId())
                                        .setName(s.name())
                                        .setStatus(
                                                s.state().name().toLowerCase(java.util.Locale.ROOT))
                                        .setReplicas(s.replicas())
                                        .setReadyReplicas(s.readyReplicas())
                                        .build())
                .toList();
    }
}
