package ai.hanzo.node.api.compute;

/**
 * Where one service of a deployment stands.
 *
 * @param desired the desired replica count
 * @param running replicas whose container is running
 * @param ready replicas that are running and pass their healthcheck (running, when the service has
 *     none)
 * @param restarts restarts of the service's containers since the node started
 */
public record ServiceStatus(int desired, int running, int ready, int restarts) {}
