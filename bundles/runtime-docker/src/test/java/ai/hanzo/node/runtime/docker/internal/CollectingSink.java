package ai.hanzo.node.runtime.docker.internal;

import ai.hanzo.node.api.runtime.StreamSink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/** A sink that keeps what it receives and how the stream ended, for assertions. */
final class CollectingSink<T> implements StreamSink<T> {
    final List<T> items = new CopyOnWriteArrayList<>();
    final CountDownLatch ended = new CountDownLatch(1);
    final AtomicReference<Throwable> error = new AtomicReference<>();
    volatile boolean completed;

    @Override
    public void next(T item) {
        items.add(item);
    }

    @Override
    public void complete() {
        completed = true;
        ended.countDown();
    }

    @Override
    public void error(Throwable failure) {
        error.set(failure);
        ended.countDown();
    }

    boolean isEnded() {
        return ended.getCount() == 0;
    }
}
