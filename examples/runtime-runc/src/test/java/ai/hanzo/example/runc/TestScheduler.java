package ai.hanzo.example.runc;

import ai.hanzo.node.api.node.NodeScheduler;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** The node's scheduler for tests outside the framework: a timer and a cached worker pool. */
final class TestScheduler implements NodeScheduler, AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
    private final ExecutorService workers = Executors.newCachedThreadPool();

    @Override
    public ScheduledFuture<?> schedule(String name, Runnable task, Duration delay) {
        return timer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(
            String name, Runnable task, Duration initialDelay, Duration period) {
        return timer.scheduleWithFixedDelay(
                task, initialDelay.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public <T> CompletableFuture<T> submit(String name, Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        workers.execute(
                () -> {
                    try {
                        result.complete(task.call());
                    } catch (Exception e) {
                        result.completeExceptionally(e);
                    }
                });
        return result;
    }

    @Override
    public <T> CompletableFuture<T> submit(String name, Callable<T> task, Duration timeout) {
        return submit(name, task).orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        workers.shutdownNow();
    }
}
