package ai.hanzo.node.core.internal;

import ai.hanzo.node.api.DeadlineExceededException;
import ai.hanzo.node.api.ResourceExhaustedException;
import ai.hanzo.node.api.node.NodeScheduler;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's shared scheduler: a small timer pool ({@code hanzo-timer-N}) for short timed tasks and
 * a bounded worker pool ({@code hanzo-worker-N}) for blocking work, both daemon threads, both shut
 * down when the core bundle stops.
 */
@Component(service = NodeScheduler.class, configurationPid = "ai.hanzo.node.scheduler")
@Designate(ocd = NodeSchedulerService.Config.class)
public final class NodeSchedulerService implements NodeScheduler {
    /** Pool sizes, PID {@code ai.hanzo.node.scheduler}. */
    @ObjectClassDefinition(name = "Hanzo node scheduler")
    @interface Config {
        @AttributeDefinition(description = "Threads for short timed tasks")
        int timerThreads() default 2;

        @AttributeDefinition(description = "Most threads for blocking work")
        int workerThreads() default 32;

        @AttributeDefinition(description = "Blocking tasks that may wait for a worker thread")
        int workerQueue() default 4096;
    }

    private final Logger logger = LoggerFactory.getLogger(NodeSchedulerService.class);
    private final ScheduledThreadPoolExecutor timers;
    private final ThreadPoolExecutor workers;

    /**
     * @param config pool sizes
     */
    @Activate
    public NodeSchedulerService(Config config) {
        timers =
                new ScheduledThreadPoolExecutor(
                        Math.max(1, config.timerThreads()), daemonThreads("hanzo-timer-"));
        timers.setRemoveOnCancelPolicy(true);
        timers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        int workerCount = Math.max(1, config.workerThreads());
        workers =
                new ThreadPoolExecutor(
                        workerCount,
                        workerCount,
                        30,
                        TimeUnit.SECONDS,
                        new LinkedBlockingQueue<>(Math.max(1, config.workerQueue())),
                        daemonThreads("hanzo-worker-"));
        // idle workers end after 30 s, so an idle node holds no worker threads
        workers.allowCoreThreadTimeOut(true);
    }

    @Override
    public ScheduledFuture<?> schedule(String name, Runnable task, Duration delay) {
        return timers.schedule(logged(name, task), delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(
            String name, Runnable task, Duration initialDelay, Duration period) {
        return timers.scheduleWithFixedDelay(
                logged(name, task), initialDelay.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public <T> CompletableFuture<T> submit(String name, Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        start(name, task, result);
        return result;
    }

    @Override
    public <T> CompletableFuture<T> submit(String name, Callable<T> task, Duration timeout) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Future<?> running = start(name, task, result);
        if (running == null) {
            return result;
        }
        ScheduledFuture<?> deadline =
                timers.schedule(
                        () -> {
                            if (result.completeExceptionally(
                                    new DeadlineExceededException(
                                            name + " did not finish within " + timeout))) {
                                running.cancel(true);
                            }
                        },
                        timeout.toNanos(),
                        TimeUnit.NANOSECONDS);
        result.whenComplete((value, failure) -> deadline.cancel(false));
        return result;
    }

    private <T> Future<?> start(String name, Callable<T> task, CompletableFuture<T> result) {
        try {
            return workers.submit(
                    () -> {
                        try {
                            result.complete(task.call());
                        } catch (Throwable failure) {
                            result.completeExceptionally(failure);
                        }
                    });
        } catch (RejectedExecutionException full) {
            result.completeExceptionally(
                    new ResourceExhaustedException(
                            "the node's worker pool is full; " + name + " was not started"));
            return null;
        }
    }

    private Runnable logged(String name, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error failure) {
                logger.warn("Scheduled task {} failed", name, failure);
            }
        };
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    @Deactivate
    void stop() throws InterruptedException {
        timers.shutdownNow();
        workers.shutdownNow();
        if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
            logger.warn("Worker threads still running 5 s after the scheduler stopped");
        }
    }
}
