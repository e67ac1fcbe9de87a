package ai.hanzo.node.runtime.docker.internal;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.runtime.StreamSink;
import com.github.dockerjava.api.async.ResultCallback;
import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds one docker-java stream (log frames, events, pull progress) into a {@link StreamSink}.
 *
 * <p>The sink's blocking {@code next} runs on docker-java's reading thread, so a slow consumer
 * stops the reading and the engine's socket fills up: that is the back-pressure. Closing the
 * subscription closes docker-java's stream, which returns the pooled connection: a follow-mode
 * stream that is never closed keeps its connection for ever, and the pool deadlocks after a few.
 *
 * @param <I> what docker-java delivers
 * @param <O> what the sink receives
 */
class SinkCallback<I, O> implements ResultCallback<I>, Subscription {
    private final Logger logger = LoggerFactory.getLogger(SinkCallback.class);
    private final StreamSink<O> sink;
    private final Function<I, Iterable<O>> mapping;
    private final Function<Throwable, Throwable> errors;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Closeable stream;
    private volatile Runnable onFinish = () -> {};

    /**
     * @param sink the consumer
     * @param mapping what each docker-java item becomes (zero or more items)
     * @param errors what a stream failure is reported as
     */
    SinkCallback(
            StreamSink<O> sink,
            Function<I, Iterable<O>> mapping,
            Function<Throwable, Throwable> errors) {
        this.sink = sink;
        this.mapping = mapping;
        this.errors = errors;
    }

    @Override
    public void onStart(Closeable closeable) {
        stream = closeable;
        if (closed.get()) {
            closeQuietly(closeable);
        }
    }

    @Override
    public void onNext(I item) {
        if (closed.get() || ended.get()) {
            return;
        }
        try {
            for (O out : mapping.apply(item)) {
                if (closed.get()) {
                    return;
                }
                sink.next(out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(e);
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    /** Ends the stream with {@code failure} (a consumer that threw, or a failed item). */
    void fail(Throwable failure) {
        if (ended.compareAndSet(false, true)) {
            closeQuietly(stream);
            if (!closed.get()) {
                sink.error(failure);
            }
            onFinish.run();
        }
    }

    @Override
    public void onError(Throwable throwable) {
        if (ended.compareAndSet(false, true)) {
            closeQuietly(stream);
            if (!closed.get()) {
                sink.error(errors.apply(throwable));
            }
            onFinish.run();
        }
    }

    @Override
    public void onComplete() {
        if (closed.get() || ended.get()) {
            return;
        }
        try {
            beforeComplete();
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        if (ended.compareAndSet(false, true)) {
            closeQuietly(stream);
            if (!closed.get()) {
                sink.complete();
            }
            onFinish.run();
        }
    }

    /**
     * @param action run once the stream has ended or was closed
     * @return this callback
     */
    SinkCallback<I, O> onFinish(Runnable action) {
        onFinish = action;
        if (finished()) {
            action.run();
        }
        return this;
    }

    /** Runs on the reading thread after the last item, before the sink completes. */
    void beforeComplete() {}

    /**
     * @return whether the stream has ended or was closed
     */
    boolean finished() {
        return ended.get() || closed.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            closeQuietly(stream);
            onFinish.run();
        }
    }

    private void closeQuietly(Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException | RuntimeException e) {
            logger.debug("closing a docker stream: {}", e.toString());
        }
    }
}
