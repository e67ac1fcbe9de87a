package ai.hanzo.node.api.runtime;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives a stream of items (log lines, exec output, container events, pull progress) from a
 * producer, then how the stream ended.
 *
 * <p>Contract, for producers and consumers alike:
 *
 * <ul>
 *   <li>{@link #next} is called for each item, in order, from one producer thread at a time. The
 *       producer does not produce the next item until {@code next} returns: <b>blocking in {@code
 *       next} is the back-pressure</b>. A consumer that forwards to a slower destination (a gRPC
 *       stream, a socket) may block until the destination is ready.
 *   <li>Exactly one of {@link #complete} or {@link #error} is called, last, unless the consumer
 *       closed the stream's {@link ai.hanzo.node.api.Subscription} (or session) first: after {@code
 *       close()} returns no callback starts, and the end is not reported.
 *   <li>A {@code next} that throws ends the stream: the producer stops and calls {@link #error}
 *       with that exception.
 *   <li>A producer blocked on a consumer's {@code next} is released by the consumer closing the
 *       stream: a consumer that blocks must return (or be interrupted) when it is closed.
 * </ul>
 *
 * @param <T> the item type
 */
@ConsumerType
public interface StreamSink<T> {
    /**
     * Receives the next item; may block to slow the producer down.
     *
     * @param item the item, never null
     * @throws InterruptedException if the waiting consumer was interrupted; the stream ends
     */
    void next(T item) throws InterruptedException;

    /** The stream ended normally: no more items. Called at most once, last. */
    void complete();

    /**
     * The stream broke. Called at most once, last.
     *
     * @param failure why; a {@link ai.hanzo.node.api.NodeException} where the producer knows the
     *     kind of failure
     */
    void error(Throwable failure);
}
