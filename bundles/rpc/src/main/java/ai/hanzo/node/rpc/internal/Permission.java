package ai.hanzo.node.rpc.internal;

/** What an RPC needs the caller to be allowed to do (the Rust node's resource/action pairs). */
enum Permission {
    HEALTH_READ,
    METRICS_READ,
    NODE_CREATE,
    NODE_UPDATE,
    DEPLOYMENT_CREATE,
    DEPLOYMENT_UPDATE,
    DEPLOYMENT_DELETE,
    LOGS_READ,
    EVENTS_READ,
    CONTAINER_READ,
    CONTAINER_EXECUTE,
    INFERENCE_READ,
    INFERENCE_RUN,
    INFERENCE_MANAGE,
    OPERATOR_READ,
    OPERATOR_UPDATE,
    PLUGIN_READ,
    PLUGIN_MANAGE,
    STORE_BACKUP;

    /**
     * @return the permission as the Rust node names it, e.g. {@code deployment/create}
     */
    String label() {
        return name().toLowerCase().replace('_', '/');
    }
}
