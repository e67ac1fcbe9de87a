package ai.hanzo.node.api.event;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Something that happened on the node (wire message {@code NodeEvent}).
 *
 * @param timestamp when it happened
 * @param type what happened, a dotted name such as {@code deployment.running}; see {@link
 *     EventTypes}
 * @param resourceType the kind of resource it happened to: node, deployment, container, model, peer
 * @param resourceId the resource's id
 * @param message a human-readable description
 * @param attributes further details
 */
public record NodeEvent(
        Instant timestamp,
        String type,
        String resourceType,
        String resourceId,
        String message,
        Map<String, String> attributes) {
    /** Rejects missing values and copies the attributes so the event is immutable. */
    public NodeEvent {
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(resourceType, "resourceType");
        Objects.requireNonNull(resourceId, "resourceId");
        Objects.requireNonNull(message, "message");
        attributes = Map.copyOf(attributes);
    }

    /**
     * @param type what happened
     * @param resourceType the kind of resource
     * @param resourceId the resource's id
     * @param message a human-readable description
     * @return an event stamped now, without attributes
     */
    public static NodeEvent now(
            String type, String resourceType, String resourceId, String message) {
        return new NodeEvent(Instant.now(), type, resourceType, resourceId, message, Map.of());
    }
}
