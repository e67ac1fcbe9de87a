package ai.hanzo.node.rpc.internal;

import java.util.Map;
import java.util.Optional;

/** The permission each RPC needs, by full method name. An RPC missing here is refused. */
final class RpcPermissions {
    private static final String NODE = "hanzo.node.v1.NodeService/";
    private static final String INFERENCE = "hanzo.node.v1.InferenceService/";
    private static final String OPERATOR = "hanzo.node.v1.OperatorService/";
    private static final String PLUGIN = "hanzo.node.v1.PluginService/";

    private static final Map<String, Permission> BY_METHOD =
            Map.ofEntries(
                    Map.entry(NODE + "GetHealth", Permission.HEALTH_READ),
                    Map.entry(NODE + "GetStatus", Permission.METRICS_READ),
                    Map.entry(NODE + "GetMetrics", Permission.METRICS_READ),
                    Map.entry(NODE + "RegisterNode", Permission.NODE_CREATE),
                    Map.entry(NODE + "Heartbeat", Permission.NODE_UPDATE),
                    Map.entry(NODE + "UpdateCapabilities", Permission.NODE_UPDATE),
                    Map.entry(NODE + "Deploy", Permission.DEPLOYMENT_CREATE),
                    Map.entry(NODE + "Stop", Permission.DEPLOYMENT_UPDATE),
                    Map.entry(NODE + "Scale", Permission.DEPLOYMENT_UPDATE),
                    Map.entry(NODE + "Remove", Permission.DEPLOYMENT_DELETE),
                    Map.entry(NODE + "GetLogs", Permission.LOGS_READ),
                    Map.entry(NODE + "GetEvents", Permission.EVENTS_READ),
                    Map.entry(NODE + "ListContainers", Permission.CONTAINER_READ),
                    Map.entry(NODE + "InspectContainer", Permission.CONTAINER_READ),
                    Map.entry(NODE + "ExecInContainer", Permission.CONTAINER_EXECUTE),
                    Map.entry(INFERENCE + "ListModels", Permission.INFERENCE_READ),
                    Map.entry(INFERENCE + "Embed", Permission.INFERENCE_RUN),
                    Map.entry(INFERENCE + "Rerank", Permission.INFERENCE_RUN),
                    Map.entry(INFERENCE + "Infer", Permission.INFERENCE_RUN),
                    Map.entry(INFERENCE + "InferStream", Permission.INFERENCE_RUN),
                    Map.entry(INFERENCE + "Tokenize", Permission.INFERENCE_RUN),
                    Map.entry(INFERENCE + "Similarity", Permission.INFERENCE_RUN),
                    Map.entry(INFERENCE + "LoadModel", Permission.INFERENCE_MANAGE),
                    Map.entry(INFERENCE + "UnloadModel", Permission.INFERENCE_MANAGE),
                    Map.entry(OPERATOR + "GetOperatorStatus", Permission.OPERATOR_READ),
                    Map.entry(OPERATOR + "RegisterOperator", Permission.OPERATOR_UPDATE),
                    Map.entry(OPERATOR + "UpdateStake", Permission.OPERATOR_UPDATE),
                    Map.entry(OPERATOR + "Withdraw", Permission.OPERATOR_UPDATE),
                    Map.entry(OPERATOR + "UpdateEndpoint", Permission.OPERATOR_UPDATE),
                    Map.entry(OPERATOR + "Deregister", Permission.OPERATOR_UPDATE),
                    Map.entry(PLUGIN + "ListPlugins", Permission.PLUGIN_READ),
                    Map.entry(PLUGIN + "InstallPlugin", Permission.PLUGIN_MANAGE),
                    Map.entry(PLUGIN + "UpdatePlugin", Permission.PLUGIN_MANAGE),
                    Map.entry(PLUGIN + "UninstallPlugin", Permission.PLUGIN_MANAGE),
                    Map.entry("hanzo.node.v1.AdminService/BackupStore", Permission.STORE_BACKUP));

    private RpcPermissions() {}

    /**
     * @param fullMethodName such as {@code hanzo.node.v1.NodeService/Deploy}
     * @return the permission it needs; health checks and reflection need none (public, read-only)
     */
    static Optional<Permission> required(String fullMethodName) {
        if (fullMethodName.startsWith("grpc.health.v1.")
                || fullMethodName.startsWith("grpc.reflection.")) {
            return Optional.of(Permission.HEALTH_READ);
        }
        return Optional.ofNullable(BY_METHOD.get(fullMethodName));
    }
}
