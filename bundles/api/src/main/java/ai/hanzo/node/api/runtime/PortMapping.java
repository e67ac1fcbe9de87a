package ai.hanzo.node.api.runtime;

/**
 * A published port.
 *
 * @param hostIp the host address to bind; the node defaults to 127.0.0.1
 * @param hostPort the host port, 0 for any free port
 * @param containerPort the port inside the container
 * @param protocol {@code tcp} or {@code udp}
 */
public record PortMapping(String hostIp, int hostPort, int containerPort, String protocol) {
    @Override
    public String toString() {
        return hostIp + ":" + hostPort + "->" + containerPort + "/" + protocol;
    }
}
