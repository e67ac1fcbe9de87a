package ai.hanzo.node.core.internal;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.event.NodeEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's event bus: keeps the latest events for late subscribers and delivers to each
 * subscriber in order on one shared thread. A subscriber that falls more than {@link
 * #SUBSCRIBER_BACKLOG} events behind loses its oldest ones; publishers never wait.
 */
@Component(service = EventBus.class)
public final class NodeEventBus implements EventBus {
    static final int HISTORY = 1024;
    static final int SUBSCRIBER_BACKLOG = 1024;

    private final Logger logger = LoggerFactory.getLogger(NodeEventBus.class);
    private final Deque<NodeEvent> history = new ArrayDeque<>();
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private final ExecutorService delivery =
            Executors.newSingleThreadExecutor(
                    runnable -> {
                        Thread thread = new Thread(runnable, "hanzo-events");
                        thread.setDaemon(true);
                        return thread;
                    });

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
    void deactivate() throws InterruptedException {
        subscribers.clear();
        delivery.shutdown();
        delivery.awaitTermination(2, TimeUnit.SECONDS);
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
            if (scheduled.compareAndSet(false, true) && !delivery.isShutdown()) {
                delivery.execute(this::deliver);
            }
        }

        private void deliver() {
            scheduled.set(false);
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
        }
    }
}
