package ai.hanzo.node.api.event;

import ai.hanzo.node.api.Subscription;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's event stream. Any bundle publishes; gRPC {@code GetEvents}, the shell and the P2P
 * announcer subscribe. Delivery is asynchronous and in order per subscriber; a slow subscriber
 * loses its oldest undelivered events rather than slowing publishers down.
 */
@ProviderType
public interface EventBus {
    /**
     * @param event the event to deliver to every matching subscriber
     */
    void publish(NodeEvent event);

    /**
     * @param types event types to receive, or an empty set for all
     * @param listener called for each matching event, on a node thread
     * @return the registration; close it to stop receiving
     */
    Subscription subscribe(Set<String> types, Consumer<NodeEvent> listener);

    /**
     * @param types event types to return, or an empty set for all
     * @param limit the most events to return
     * @return the most recent matching events still held, oldest first
     */
    List<NodeEvent> recent(Set<String> types, int limit);
}
