package ai.hanzo.node.api.compute;

import ai.hanzo.node.api.runtime.ContainerState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A container the node created for a deployment, as the node keeps it.
 *
 * @param id the runtime's container id
 * @param deploymentId the deployment it belongs to
 * @param service the service of the deployment it runs
 * @param replica its replica index within the service, from 0
 * @param runtime the name of the runtime that runs it
 * @param name its name
 * @param image its image
 * @param state its last observed state
 * @param createdAt when it was created
 * @param ports its published ports, such as {@code "127.0.0.1:8080->80/tcp"}
 * @param labels its labels
 * @param restarts how often the node's restart policy has restarted it; kept with the record so a
 *     policy such as {@code on-failure:3} keeps counting across restarts of the node (since 2.1.0)
 */
public record ContainerRecord(
        String id,
        String deploymentId,
        String service,
        int replica,
        String runtime,
        String name,
        String image,
        ContainerState state,
        Instant createdAt,
        List<String> ports,
        Map<String, String> labels,
        int restarts) {
    /** Rejects missing values and copies the collections so the value is immutable. */
    public ContainerRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(deploymentId, "deploymentId");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        ports = List.copyOf(ports);
        labels = Map.copyOf(labels);
        if (restarts < 0) {
            throw new IllegalArgumentException("restarts must not be negative: " + restarts);
        }
    }

    /**
     * A record of a container not restarted yet.
     *
     * @param id the runtime's container id
     * @param deploymentId the deployment it belongs to
     * @param service the service of the deployment it runs
     * @param replica its replica index within the service, from 0
     * @param runtime the name of the runtime that runs it
     * @param name its name
     * @param image its image
     * @param state its last observed state
     * @param createdAt when it was created
     * @param ports its published ports
     * @param labels its labels
     */
    public ContainerRecord(
            String id,
            String deploymentId,
            String service,
            int replica,
            String runtime,
            String name,
            String image,
            ContainerState state,
            Instant createdAt,
            List<String> ports,
            Map<String, String> labels) {
        this(
                id,
                deploymentId,
                service,
                replica,
                runtime,
                name,
                image,
                state,
                createdAt,
                ports,
                labels,
                0);
    }

    /**
     * @param count the new restart count
     * @return this record with another restart count
     */
    public ContainerRecord withRestarts(int count) {
        return new ContainerRecord(
                id,
                deploymentId,
                service,
                replica,
                runtime,
                name,
                image,
                state,
                createdAt,
                ports,
                labels,
                count);
    }

    /**
     * @param next the new state
     * @return this record with another observed state
     */
    public ContainerRecord withState(ContainerState next) {
        return new ContainerRecord(
                id,
                deploymentId,
                service,
                replica,
                runtime,
                name,
                image,
                next,
                createdAt,
                ports,
                labels,
                restarts);
    }
}
