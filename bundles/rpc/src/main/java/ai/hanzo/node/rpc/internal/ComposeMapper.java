package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.compute.DeploymentOptions;
import ai.hanzo.node.api.compute.DeploymentRequest;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.cli.compose.ComposeModel;
import ai.hanzo.node.proto.v1.ContainerInfo;
import ai.hanzo.node.proto.v1.DeployRequest;
import java.util.Optional;

/**
 * Converts the deployment messages of the wire to the api's model and containers back. The compose
 * file itself is mapped by the CLI's {@link ComposeModel} (embedded, shared with the Karaf shell).
 */
final class ComposeMapper {
    private ComposeMapper() {}

    static DeploymentRequest fromWire(DeployRequest request) {
        ai.hanzo.node.proto.v1.DeploymentOptions options = request.getOptions();
        return new DeploymentRequest(
                request.getDeploymentId().trim(),
                request.getName(),
                ComposeModel.fromWire(request.getSpec()),
                request.getEnvironmentMap(),
                new DeploymentOptions(
                        options.getNamespace(),
                        options.getEnvironment(),
                        options.getLabelsMap(),
                        options.hasResourceLimits()
                                ? Optional.of(ComposeModel.limits(options.getResourceLimits()))
                                : Optional.empty()));
    }

    static ContainerInfo toWire(ContainerStatus c) {
        return ContainerInfo.newBuilder()
                .setId(c.id())
                .setName(nullToEmpty(c.name()))
                .setImage(nullToEmpty(c.image()))
                .setStatus(nullToEmpty(c.status()))
                .setState(c.state().wireName())
                .setCreated(Math.max(0, c.createdAt().getEpochSecond()))
                .addAllPorts(c.ports().stream().map(Object::toString).toList())
                .putAllLabels(c.labels())
                .build();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
