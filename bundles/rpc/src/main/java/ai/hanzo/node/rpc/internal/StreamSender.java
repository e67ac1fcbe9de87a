package ai.hanzo.node.rpc.internal;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.Queue;

/**
 * Sends a server stream with flow control: messages go out only while the call {@code isReady()}
 * (the client reads and its window is open), the rest wait in a bounded buffer. A producer that
 * offers into a full buffer is told so ({@link #offer} returns false, or {@link
 * #offerDroppingOldest} drops the oldest message), so a slow reader never makes the node's memory
 * grow. Cancellation by the client runs {@code onCancel} once, at once, so the producer's resources
 * are released.
 *
 * <p>Thread-safe: producers on any thread, the transport's onReady on its own.
 *
 * @param <T> the message type
 */
public final class StreamSender<T> {
    private final ServerCallStreamObserver<T> call;
    private final int capacity;
    private final Queue<T> buffer;
    private boolean completing;
    private Throwable failing;
    private boolean closed;
    private boolean cancelled;
    private long dropped;

    /**
     * @param observer the call's response observer (a {@link ServerCallStreamObserver})
     * @param capacity the most messages held for a slow reader
     * @param onCancel run once when the client cancels or goes away
     */
    public StreamSender(StreamObserver<T> observer, int capacity, Runnable onCancel) {
        this.call = (ServerCallStreamObserver<T>) observer;
        this.capacity = Math.max(1, capacity);
        this.buffer = new ArrayDeque<>(Math.min(this.capacity, 256));
        SenderHandlers.install(call, this, this::closeOnCancel, onCancel, this::drain);
    }

    /** Runs holding this sender's monitor (see {@link SenderHandlers#install}). */
    private void closeOnCancel() {
        cancelled = true;
        closed = true;
        buffer.clear();
    }

    /**
     * @param message the next message
     * @return false when the buffer is full or the call is over (nothing was queued)
     */
    public boolean offer(T message) {
        synchronized (this) {
            if (closed || completing || failing != null || buffer.size() >= capacity) {
                return false;
            }
            buffer.add(message);
        }
        drain();
        return true;
    }

    /**
     * Waits until the message fits in the buffer (the producer slows to the reader's pace).
     *
     * @param message the next message
     * @return false when the call is over
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean put(T message) throws InterruptedException {
        synchronized (this) {
            while (!closed && !completing && failing == null && buffer.size() >= capacity) {
                wait();
            }
            if (closed || completing || failing != null) {
                return false;
            }
            buffer.add(message);
        }
        drain();
        return true;
    }

    /**
     * For streams whose producer must not wait (events): a full buffer loses its oldest message.
     *
     * @param message the next message
     * @return false when the call is over
     */
    public boolean offerDroppingOldest(T message) {
        synchronized (this) {
            if (closed || completing || failing != null) {
                return false;
            }
            if (buffer.size() >= capacity) {
                buffer.poll();
                dropped++;
            }
            buffer.add(message);
        }
        drain();
        return true;
    }

    /** Ends the stream after the buffered messages. */
    public void complete() {
        synchronized (this) {
            if (closed || completing) {
                return;
            }
            completing = true;
        }
        drain();
    }

    /**
     * Ends the stream with an error after the buffered messages.
     *
     * @param failure mapped through {@link ErrorStatus}
     */
    public void fail(Throwable failure) {
        synchronized (this) {
            if (closed || completing || failing != null) {
                return;
            }
            failing = failure;
        }
        drain();
    }

    /**
     * @return whether the client cancelled or the stream ended
     */
    public synchronized boolean isClosed() {
        return closed;
    }

    /**
     * @return whether the client cancelled
     */
    public synchronized boolean isCancelled() {
        return cancelled;
    }

    /**
     * @return messages buffered now (bounded by the capacity)
     */
    public synchronized int buffered() {
        return buffer.size();
    }

    /**
     * @return messages lost by {@link #offerDroppingOldest}
     */
    public synchronized long dropped() {
        return dropped;
    }

    // one drainer at a time: onReady and producers may race
    private void drain() {
        synchronized (this) {
            if (closed) {
                return;
            }
            while (call.isReady() && !buffer.isEmpty()) {
                T next = buffer.poll();
                try {
                    call.onNext(next);
                } catch (RuntimeException e) {
                    // the call was cancelled between isReady and onNext
                    closed = true;
                    buffer.clear();
                    notifyAll();
                    return;
                }
            }
            notifyAll();
            if (buffer.isEmpty() && (completing || failing != null)) {
                closed = true;
                try {
                    if (failing != null) {
                        call.onError(ErrorStatus.of(failing));
                    } else {
                        call.onCompleted();
                    }
                } catch (IllegalStateException | io.grpc.StatusRuntimeException e) {
                    // already cancelled
                }
            }
        }
    }
}
