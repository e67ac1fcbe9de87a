package ai.hanzo.node.rpc.internal;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * Sends a server stream whose messages each carry several items (GetLogs with {@code
 * max_lines_per_message}), with the flow control of {@link StreamSender}.
 *
 * <p>The producer only queues items ({@link #put} waits while the bounded buffer is full); the
 * sending happens on {@code sendExecutor}, one drain at a time, which takes everything buffered (up
 * to {@code maxItems} items and about {@code maxBytes}) into one message. So a fast producer fills
 * large messages while the previous one is being sent, and a slow trickle goes out an item per
 * message as soon as it is queued: nothing waits for a batch to fill or for a timer. gRPC's cost is
 * per message (framing, one write per message), which is why this is worth the hand-off.
 *
 * <p>Thread-safe: producers on any thread, the transport's onReady on its own.
 *
 * @param <T> the item and message type (a message carries its first item in its own fields)
 */
final class BatchingStreamSender<T> {
    private final ServerCallStreamObserver<T> call;
    private final int capacity;
    private final int maxItems;
    private final long maxBytes;
    private final Executor sendExecutor;
    private final Function<List<T>, T> combine;
    private final ToIntFunction<T> size;
    private final ArrayDeque<T> buffer;
    private boolean draining;
    private boolean completing;
    private Throwable failing;
    private boolean closed;
    private boolean cancelled;

    /**
     * @param observer the call's response observer (a {@link ServerCallStreamObserver})
     * @param capacity the most items held for a slow reader
     * @param maxItems the most items in one message
     * @param maxBytes a message takes no further item once its items' sizes reach this (an item
     *     larger than this goes alone)
     * @param sendExecutor runs the drains; one at a time per stream, each short (never blocks)
     * @param combine makes one message of one or more items, in order
     * @param size an item's encoded size
     * @param onCancel run once when the client cancels or goes away
     */
    BatchingStreamSender(
            StreamObserver<T> observer,
            int capacity,
            int maxItems,
            long maxBytes,
            Executor sendExecutor,
            Function<List<T>, T> combine,
            ToIntFunction<T> size,
            Runnable onCancel) {
        this.call = (ServerCallStreamObserver<T>) observer;
        this.maxItems = Math.max(1, maxItems);
        this.capacity = Math.max(capacity, this.maxItems);
        this.maxBytes = Math.max(1, maxBytes);
        this.sendExecutor = sendExecutor;
        this.combine = combine;
        this.size = size;
        this.buffer = new ArrayDeque<>(Math.min(this.capacity, 1024));
        SenderHandlers.install(call, this, this::closeOnCancel, onCancel, this::signal);
    }

    /** Runs holding this sender's monitor (see {@link SenderHandlers#install}). */
    private void closeOnCancel() {
        cancelled = true;
        closed = true;
        buffer.clear();
    }

    /**
     * Queues an item, waiting while the buffer is full (the producer slows to the reader's pace).
     *
     * @param item the next item
     * @return false when the call is over
     * @throws InterruptedException if interrupted while waiting
     */
    boolean put(T item) throws InterruptedException {
        synchronized (this) {
            while (!closed && !completing && failing == null && buffer.size() >= capacity) {
                wait();
            }
            if (closed || completing || failing != null) {
                return false;
            }
            buffer.add(item);
        }
        signal();
        return true;
    }

    /** Ends the stream after the buffered items. */
    void complete() {
        synchronized (this) {
            if (closed || completing || failing != null) {
                return;
            }
            completing = true;
            notifyAll();
        }
        signal();
    }

    /**
     * Ends the stream with an error after the buffered items.
     *
     * @param failure mapped through {@link ErrorStatus}
     */
    void fail(Throwable failure) {
        synchronized (this) {
            if (closed || completing || failing != null) {
                return;
            }
            failing = failure;
            notifyAll();
        }
        signal();
    }

    /**
     * @return whether the client cancelled
     */
    synchronized boolean isCancelled() {
        return cancelled;
    }

    /**
     * @return whether the client cancelled or the stream ended
     */
    synchronized boolean isClosed() {
        return closed;
    }

    /**
     * @return items buffered now (bounded by the capacity)
     */
    synchronized int buffered() {
        return buffer.size();
    }

    // starts a drain unless one is queued or running; that one sees the new state, because it
    // decides to stop under the same lock this flag is set under
    private void signal() {
        synchronized (this) {
            if (draining || closed) {
                return;
            }
            draining = true;
        }
        try {
            sendExecutor.execute(this::drain);
        } catch (RuntimeException e) {
            // the server is shutting down: nothing will send any more
            synchronized (this) {
                draining = false;
                closed = true;
                buffer.clear();
                notifyAll();
            }
        }
    }

    private void drain() {
        while (true) {
            List<T> batch;
            boolean finish = false;
            synchronized (this) {
                if (closed) {
                    draining = false;
                    return;
                }
                if (buffer.isEmpty() && (completing || failing != null)) {
                    closed = true;
                    finish = true;
                    batch = List.of();
                } else if (buffer.isEmpty() || !call.isReady()) {
                    // onReady or the next put signals again
                    draining = false;
                    return;
                } else {
                    batch = new ArrayList<>(Math.min(buffer.size(), maxItems));
                    long bytes = 0;
                    while (!buffer.isEmpty() && batch.size() < maxItems && bytes < maxBytes) {
                        T next = buffer.peek();
                        int nextSize = size.applyAsInt(next);
                        if (!batch.isEmpty() && bytes + nextSize > maxBytes) {
                            break;
                        }
                        batch.add(buffer.poll());
                        bytes += nextSize;
                    }
                    notifyAll();
                }
            }
            if (finish) {
                try {
                    if (failing != null) {
                        call.onError(ErrorStatus.of(failing));
                    } else {
                        call.onCompleted();
                    }
                } catch (IllegalStateException | io.grpc.StatusRuntimeException e) {
                    // already cancelled
                }
                synchronized (this) {
                    draining = false;
                }
                return;
            }
            try {
                call.onNext(combine.apply(batch));
            } catch (RuntimeException e) {
                // the call was cancelled between isReady and onNext
                synchronized (this) {
                    closed = true;
                    draining = false;
                    buffer.clear();
                    notifyAll();
                }
                return;
            }
        }
    }
}
