package ai.hanzo.node.core.internal;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.node.NodeScheduler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's event bus: keeps the latest events for late subscribers and delivers to each
 * subscriber in order on the node scheduler's worker pool. A subscriber that falls more than {@link
 * #SUBSCRIBER_BACKLOG} events behind loses its oldest ones; publishers never wait. Other bundles
 * reach it through {@link BundleScopedEventBus}, which closes what a bundle left open when it goes.
 */
@Component(service = NodeEventBus.class)
public final class NodeEventBus implements EventBus {
    static final int HISTORY = 1024;
    static final int SUBSCRIBER_BACKLOG = 1024;

    private final Logger logger = LoggerFactory.getLogger(NodeEventBus.class);
    private final Deque<NodeEvent> history = new ArrayDeque<>();
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final NodeScheduler scheduler;

    /**
     * @param scheduler runs deliveries: one at a time per subscriber, so each sees events in order
     *     and a slow one holds up only itself
     */
    @Activate
    public NodeEventBus(@Reference NodeScheduler scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public void publish(NodeEvent event) {
        Objects.requireNonNull(event, "event");
        synchronized (history) {
            if (history.size() == HISTORY) {
                history.removeFirst();
            }
            history.addLast(event);
        }
        for (Subscriber subscriber : subscribers) {
            subscriber.offer(event);
        }
    }

    @Override
    public Subscription subscribe(Set<String> types, Consumer<NodeEvent> listener) {
        Subscriber subscriber =
                new Subscriber(Set.copyOf(types), Objects.requireNonNull(listener, "listener"));
        subscribers.add(subscriber);
        return () -> {
            subscriber.closed.set(true);
            subscribers.remove(subscriber);
        };
    }

    @Override
    public List<NodeEvent> recent(Set<String> types, int limit) {
        List<NodeEvent> matching = new ArrayList<>();
        synchronized (history) {
            for (NodeEvent event : history) {
                if (types.isEmpty() || types.contains(event.type())) {
                    matching.add(event);
                }
            }
        }
        return List.copyOf(matching.subList(Math.max(0, matching.size() - limit), matching.size()));
    }

    @Deactivate
    void deactivate() {
        for (Subscriber subscriber : subscribers) {
            subscriber.closed.set(true);
        }
        subscribers.clear();
    }

    private final class Subscriber {
        private final Set<String> types;
        private final Consumer<NodeEvent> listener;
        private final ConcurrentLinkedQueue<NodeEvent> backlog = new ConcurrentLinkedQueue<>();
        private final AtomicInteger size = new AtomicInteger();
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();

        Subscriber(Set<String> types, Consumer<NodeEvent> listener) {
            this.types = types;
            this.listener = listener;
        }

        void offer(NodeEvent event) {
            if (!types.isEmpty() && !types.contains(event.type())) {
                return;
            }
            backlog.add(event);
            if (size.incrementAndGet() > SUBSCRIBER_BACKLOG && backlog.poll() != null) {
                size.decrementAndGet();
            }
            schedule();
        }

        private void schedule() {
            if (!closed.get() && scheduled.compareAndSet(false, true)) {
                scheduler
                        .submit("event delivery to " + listener, this::deliver)
                        .whenComplete(
                                (ignored, failure) -> {
                                    if (failure != null) {
                                        // events stay queued; the next publish tries again
                                        scheduled.set(false);
                                        logger.warn(
                                                "event delivery to {} not started: {}",
                                                listener,
                                                failure.toString());
                                    }
                                });
            }
        }

        private Void deliver() {
            NodeEvent event;
            while (!closed.get() && (event = backlog.poll()) != null) {
                size.decrementAndGet();
                try {
                    listener.accept(event);
                } catch (RuntimeException e) {
                    logger.warn(
                            "event listener {} failed on {}: {}",
                            listener,
                            event.type(),
                            e.toString(),
                            e);
                }
            }
            scheduled.set(false);
            // an event offered after the loop ended but before the flag cleared is picked up here
            if (!backlog.isEmpty()) {
                schedule();
            }
            return null;
        }
    }
}
