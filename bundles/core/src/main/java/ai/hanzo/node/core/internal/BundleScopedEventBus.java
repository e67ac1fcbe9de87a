package ai.hanzo.node.core.internal;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.event.NodeEvent;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ServiceScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link EventBus} service as each bundle sees it: one instance per using bundle (bundle
 * scope), over the one {@link NodeEventBus}. When the bundle stops or is uninstalled the framework
 * releases the service, and the subscriptions the bundle opened are closed, whether or not it
 * closed them: a plugin that goes cannot leave a listener (and its class loader) behind.
 */
@Component(service = EventBus.class, scope = ServiceScope.BUNDLE)
public final class BundleScopedEventBus implements EventBus {
    private final Logger logger = LoggerFactory.getLogger(BundleScopedEventBus.class);
    private final NodeEventBus bus;
    private final Set<Subscription> open = ConcurrentHashMap.newKeySet();

    /**
     * @param bus the node's one event bus
     */
    @Activate
    public BundleScopedEventBus(@Reference NodeEventBus bus) {
        this.bus = bus;
    }

    @Override
    public void publish(NodeEvent event) {
        bus.publish(event);
    }

    @Override
    public Subscription subscribe(Set<String> types, Consumer<NodeEvent> listener) {
        Subscription subscription = bus.subscribe(types, listener);
        open.add(subscription);
        return () -> {
            if (open.remove(subscription)) {
                subscription.close();
            }
        };
    }

    @Override
    public List<NodeEvent> recent(Set<String> types, int limit) {
        return bus.recent(types, limit);
    }

    /** The using bundle released the bus: close what it left open. */
    @Deactivate
    void deactivate() {
        int left = open.size();
        for (Subscription subscription : open) {
            subscription.close();
        }
        open.clear();
        if (left > 0) {
            logger.info("Closed {} event subscription(s) a bundle left open", left);
        }
    }
}
