package ai.hanzo.node.api.node;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's one shared scheduler: named, bounded threads that stop with the framework. Bundles use
 * it instead of making their own threads or executors, so an idle node sits idle and a stopped
 * bundle leaves no thread behind.
 *
 * <p>Two pools stand behind it. Timed tasks ({@code schedule*}) run on a small timer pool and must
 * be short: they hand anything slow to {@link #submit}. Submitted tasks run on a bounded pool for
 * blocking work (I/O, calls into plugins); when its queue is full, {@code submit} fails the
 * returned future with {@link ai.hanzo.node.api.ResourceExhaustedException} at once instead of
 * growing. A task that throws is logged with its name and does not stop a periodic schedule.
 */
@ProviderType
public interface NodeScheduler {
    /**
     * Runs a short task once, after a delay, on the timer pool.
     *
     * @param name what the task is, for logs
     * @param task the task
     * @param delay how long to wait; zero runs it as soon as a timer thread is free
     * @return the scheduled run, cancellable
     */
    ScheduledFuture<?> schedule(String name, Runnable task, Duration delay);

    /**
     * Runs a short task repeatedly on the timer pool, each run {@code period} after the previous
     * one ended. A run that throws is logged and the schedule goes on.
     *
     * @param name what the task is, for logs
     * @param task the task
     * @param initialDelay delay before the first run
     * @param period delay between the end of one run and the start of the next
     * @return the schedule, cancelled to stop it
     */
    ScheduledFuture<?> scheduleWithFixedDelay(
            String name, Runnable task, Duration initialDelay, Duration period);

    /**
     * Runs blocking work on the bounded worker pool.
     *
     * @param name what the task is, for logs and thread names
     * @param task the work
     * @param <T> its result
     * @return its result; failed with {@link ai.hanzo.node.api.ResourceExhaustedException} when the
     *     pool's queue is full, and with the task's own exception when it throws
     */
    <T> CompletableFuture<T> submit(String name, Callable<T> task);

    /**
     * Runs blocking work on the worker pool with a deadline: the returned future fails with {@link
     * ai.hanzo.node.api.DeadlineExceededException} when the task has not finished in time, and the
     * task's thread is interrupted. For calls into code the node does not trust to return
     * (plugins).
     *
     * @param name what the task is, for logs and messages
     * @param task the work
     * @param timeout how long it may take
     * @param <T> its result
     * @return its result, or the failure
     */
    <T> CompletableFuture<T> submit(String name, Callable<T> task, Duration timeout);
}
