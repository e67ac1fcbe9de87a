package ai.hanzo.node.compute.internal;

import ai.hanzo.node.api.DeadlineExceededException;
import ai.hanzo.node.api.node.NodeScheduler;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link NodeScheduler} for tests outside a framework, with the contract of the core's: a timer
 * pool for short tasks, a worker pool for blocking work, tasks that throw do not stop schedules.
 */
final class TestScheduler implements NodeScheduler, AutoCloseable {
    private final ScheduledExecutorService timers =
            Executors.newScheduledThreadPool(
                    2,
                    r -> {
                        Thread t = new Thread(r, "test-timer");
                        t.setDaemon(true);
                        return t;
                    });
    private final ExecutorService workers =
            Executors.newCachedThreadPool(
                    r -> {
                        Thread t = new Thread(r, "test-worker");
                        t.setDaemon(true);
                        return t;
                    });

    private final org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger(TestScheduler.class);

    private Runnable logged(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                logger.warn("A timed task failed", e);
            }
        };
    }

    @Override
    public ScheduledFuture<?> schedule(String name, Runnable task, Duration delay) {
        return timers.schedule(logged(task), delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(
            String name, Runnable task, Duration initialDelay, Duration period) {
        return timers.scheduleWithFixedDelay(
                logged(task), initialDelay.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public <T> CompletableFuture<T> submit(String name, Callable<T> task) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return task.call();
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                },
                workers);
    }

    @Override
    public <T> CompletableFuture<T> submit(String name, Callable<T> task, Duration timeout) {
        CompletableFuture<T> f = submit(name, task);
        return f.orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
                .exceptionallyCompose(
                        e ->
                                CompletableFuture.failedFuture(
                                        e instanceof TimeoutException
                                                ? new DeadlineExceededException(name + " timed out")
                                                : e));
    }

    @Override
    public void close() {
        timers.shutdownNow();
        workers.shutdownNow();
    }
}
