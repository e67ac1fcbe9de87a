package ai.hanzo.node.runtime.docker.internal;

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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link NodeScheduler} for the orchestrator outside a framework, with the core's contract:
 * timers for short tasks, workers for blocking ones, a task that throws does not end its schedule.
 */
final class TestScheduler implements NodeScheduler, AutoCloseable {
    private final Logger logger = LoggerFactory.getLogger(TestScheduler.class);
    private final ScheduledExecutorService timers =
            Executors.newScheduledThreadPool(2, daemon("test-timer"));
    private final ExecutorService workers = Executors.newCachedThreadPool(daemon("test-worker"));

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

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
        return submit(name, task)
                .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
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
