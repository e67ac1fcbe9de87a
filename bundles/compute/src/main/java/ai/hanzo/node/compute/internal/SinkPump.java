package ai.hanzo.node.compute.internal;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.runtime.StreamSink;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands items to a {@link StreamSink} in order, on the scheduler's worker pool, so that producers
 * that must not block (a process reaper, a timer) can feed a sink whose blocking is its
 * back-pressure. Items wait in an unbounded queue: use it for small, rare items (events), not for
 * bulk data.
 *
 * @param <T> the item type
 */
public final class SinkPump<T> implements Subscription {
    private static final Object COMPLETE = new Object();

    private final Logger logger = LoggerFactory.getLogger(SinkPump.class);
    private final NodeScheduler scheduler;
    private final String name;
    private final StreamSink<T> sink;
    private final Queue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean ended;

    /**
     * @param scheduler runs the deliveries
     * @param name what the stream is, for logs
     * @param sink the consumer
     */
    public SinkPump(NodeScheduler scheduler, String name, StreamSink<T> sink) {
        this.scheduler = scheduler;
        this.name = name;
        this.sink = sink;
    }

    /**
     * @param item the next item
     */
    public void offer(T item) {
        if (!closed && !ended) {
            queue.add(item);
            kick();
        }
    }

    /** Ends the stream normally after the queued items. */
    public void complete() {
        if (!closed && !ended) {
            ended = true;
            queue.add(COMPLETE);
            kick();
        }
    }

    /**
     * @param failure ends the stream with this error after the queued items
     */
    public void fail(Throwable failure) {
        if (!closed && !ended) {
            ended = true;
            queue.add(failure);
            kick();
        }
    }

    /**
     * @return whether the consumer closed the stream or the stream ended
     */
    public boolean done() {
        return closed || ended && queue.isEmpty();
    }

    @Override
    public void close() {
        closed = true;
        queue.clear();
    }

    private void kick() {
        if (scheduled.compareAndSet(false, true)) {
            scheduler
                    .submit(name, this::pump)
                    .exceptionally(
                            e -> {
                                // the worker pool refused (queue full): try again on the next item
                                scheduled.set(false);
                                logger.warn("Cannot deliver {}: {}", name, e.toString());
                                return null;
                            });
        }
    }

    @SuppressWarnings("unchecked")
    private Void pump() {
        try {
            Object next;
            while (!closed && (next = queue.poll()) != null) {
                if (next == COMPLETE) {
                    closed = true;
                    sink.complete();
                } else if (next instanceof Throwable t) {
                    closed = true;
                    sink.error(t);
                } else {
                    try {
                        sink.next((T) next);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        closed = true;
                        sink.error(e);
                    } catch (RuntimeException e) {
                        closed = true;
                        sink.error(e);
                    }
                }
            }
        } finally {
            scheduled.set(false);
            if (!closed && !queue.isEmpty()) {
                kick();
            }
        }
        return null;
    }
}
