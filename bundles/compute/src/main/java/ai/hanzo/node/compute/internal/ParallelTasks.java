package ai.hanzo.node.compute.internal;

import ai.hanzo.node.api.node.NodeScheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a few blocking tasks (starting or stopping containers) at the same time on the scheduler's
 * workers and waits for all of them. The calling thread takes back every task no worker has begun
 * yet and runs it itself, so waiting never depends on a free worker: a full pool, or a pool whose
 * workers all wait here, cannot deadlock it.
 */
final class ParallelTasks {
    private ParallelTasks() {}

    /** One task and who runs it: the first to claim it. */
    private static final class Claimed implements Runnable {
        final Runnable task;
        final AtomicBoolean claimed = new AtomicBoolean();
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Claimed(Runnable task) {
            this.task = task;
        }

        @Override
        public void run() {
            if (!claimed.compareAndSet(false, true)) {
                return;
            }
            try {
                task.run();
                done.complete(null);
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        }
    }

    /**
     * Runs every task, concurrently when there are several, and returns when all have ended.
     *
     * @param scheduler the workers
     * @param name what the tasks do, for the scheduler
     * @param tasks the tasks
     * @throws RuntimeException the first task's failure, once every task has ended
     */
    static void runAll(NodeScheduler scheduler, String name, List<Runnable> tasks) {
        if (tasks.isEmpty()) {
            return;
        }
        if (tasks.size() == 1) {
            tasks.get(0).run();
            return;
        }
        List<Claimed> claimed = new ArrayList<>();
        for (Runnable t : tasks) {
            claimed.add(new Claimed(t));
        }
        // the first runs here; the others are offered to the workers
        for (Claimed c : claimed.subList(1, claimed.size())) {
            try {
                scheduler.submit(
                        name,
                        () -> {
                            c.run();
                            return null;
                        });
            } catch (RuntimeException rejected) {
                // the pool is full: this thread runs it below
            }
        }
        for (Claimed c : claimed) {
            c.run();
        }
        RuntimeException first = null;
        boolean interrupted = false;
        for (Claimed c : claimed) {
            while (true) {
                try {
                    c.done.get();
                    break;
                } catch (InterruptedException e) {
                    // the task runs on regardless; wait for it, then say so
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = unwrap(e.getCause());
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (first != null) {
            throw first;
        }
    }

    private static RuntimeException unwrap(Throwable t) {
        if (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
