package ai.hanzo.node.inference.internal;

import ai.hanzo.node.api.DeadlineExceededException;
import ai.hanzo.node.api.ResourceExhaustedException;
import ai.hanzo.node.api.UnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dynamic batching for one model, as TEI does it: items from all callers wait in one bounded queue;
 * a worker takes the oldest item and the waiting items closest to it in length (same group key)
 * while the padded batch stays within a token budget, and runs them together.
 *
 * <p>The queue is bounded: a request that does not fit is refused at once with RESOURCE_EXHAUSTED,
 * so memory never grows with load. Items whose future was cancelled (the client went away) are
 * dropped before they run; items past their deadline fail with DEADLINE_EXCEEDED without running.
 *
 * <p>Workers are dedicated threads, not the node's shared scheduler: a worker blocks waiting for
 * work and then runs CPU-bound batches for as long as load lasts, which would starve a shared,
 * bounded pool of the short tasks it exists for. One exception: a request that finds the batcher
 * idle (nothing running or queued, and the last batch a single item) runs on the caller's thread,
 * so that one caller at a time pays no hand-off; it counts as a worker meanwhile.
 *
 * @param <I> the item type
 * @param <O> the result of one item
 */
final class DynamicBatcher<I, O> {
    /**
     * @param maxBatchTokens padded tokens (longest item x items) one batch may hold
     * @param maxBatchItems items one batch may hold
     * @param maxWait how long a worker may wait, from the oldest item's arrival or the end of the
     *     previous batch (the later), for as many items as that batch held plus those that queued
     *     while it ran, before running a smaller batch (0: never waits; items queue up while a
     *     batch runs)
     * @param queueCapacity items that may wait
     * @param workers threads running batches in parallel
     */
    record Settings(
            int maxBatchTokens,
            int maxBatchItems,
            Duration maxWait,
            int queueCapacity,
            int workers) {
        Settings {
            if (maxBatchTokens < 1 || maxBatchItems < 1 || queueCapacity < 1 || workers < 1) {
                throw new IllegalArgumentException("batch settings must be positive: " + this);
            }
        }
    }

    /** Runs one batch; the results are in the order of the inputs. */
    @FunctionalInterface
    interface Runner<I, O> {
        List<O> run(List<I> batch) throws Exception;
    }

    /**
     * One item to queue.
     *
     * @param input what to run
     * @param group items are batched only with items of an equal group (e.g. equal shapes)
     * @param length its length in tokens (or elements): what padding and the budget count
     * @param deadline when to give up on it; {@code null} for never
     */
    record Item<I>(I input, Object group, int length, Instant deadline) {}

    /**
     * One item's result and where its time went.
     *
     * @param value the result
     * @param queueNanos from enqueue to the batch's start
     * @param runNanos the batch's run
     * @param batchSize how many items the batch held
     */
    record Done<O>(O value, long queueNanos, long runNanos, int batchSize) {}

    private static final class Job<I, O> {
        final Item<I> item;
        final CompletableFuture<Done<O>> future = new CompletableFuture<>();
        final long enqueuedNanos = System.nanoTime();

        Job(Item<I> item) {
            this.item = item;
        }
    }

    private final Logger logger = LoggerFactory.getLogger(DynamicBatcher.class);
    private final String name;
    private final Settings settings;
    private final Runner<I, O> runner;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final LinkedList<Job<I, O>> pending = new LinkedList<>();
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong expired = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private long pendingTokens;
    private int lastBatchSize = 1;
    // items seen around the last batch: the batch itself plus what queued while it ran
    private int expectedItems = 1;
    private long lastBatchEndNanos = System.nanoTime();
    private int running;
    private boolean accepting = true;
    private boolean stopped;

    DynamicBatcher(String name, Settings settings, Runner<I, O> runner) {
        this.name = name;
        this.settings = settings;
        this.runner = runner;
        for (int i = 0; i < settings.workers(); i++) {
            Thread worker = new Thread(this::work, "hanzo-inference-" + name + "-" + i);
            worker.setDaemon(true);
            workers.add(worker);
            worker.start();
        }
    }

    /**
     * Queues all items of one request, or none.
     *
     * @return one future per item, in order
     * @throws ResourceExhaustedException if the queue has no room for all of them
     * @throws UnavailableException if the batcher is shutting down
     */
    List<CompletableFuture<Done<O>>> submit(List<Item<I>> items) {
        List<Job<I, O>> jobs = items.stream().map(Job<I, O>::new).toList();
        List<Job<I, O>> inline = null;
        lock.lock();
        try {
            if (!accepting) {
                throw new UnavailableException("model " + name + " is being unloaded");
            }
            if (pending.size() + jobs.size() > settings.queueCapacity()) {
                throw new ResourceExhaustedException(
                        "model "
                                + name
                                + " is overloaded: "
                                + pending.size()
                                + " items wait and the queue holds "
                                + settings.queueCapacity()
                                + "; retry later");
            }
            boolean idle = running == 0 && pending.isEmpty();
            for (Job<I, O> job : jobs) {
                pending.add(job);
                pendingTokens += job.item.length();
            }
            if (idle && lastBatchSize <= 1) {
                // nothing runs, nothing waits and no burst is expected: the caller runs its own
                // batch, which saves waking a worker and a thread hand-off (a batch of one at low
                // load pays that hand-off on every request)
                purge();
                if (!pending.isEmpty()) {
                    inline = select();
                    running++;
                }
            }
            if (!pending.isEmpty()) {
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (inline != null) {
            int queuedMeanwhile = 0;
            try {
                queuedMeanwhile = run(inline);
            } finally {
                lock.lock();
                try {
                    running--;
                    finished(inline.size(), queuedMeanwhile);
                    // wake the worker only if there is something for it (or a shutdown waits)
                    if (!pending.isEmpty() || !accepting) {
                        changed.signalAll();
                    }
                } finally {
                    lock.unlock();
                }
            }
        }
        return jobs.stream().map(job -> job.future).toList();
    }

    /**
     * @return items dropped because their caller cancelled before they ran
     */
    long dropped() {
        return dropped.get();
    }

    /**
     * @return items failed because their deadline passed while they waited
     */
    long expired() {
        return expired.get();
    }

    /**
     * @return batches run so far
     */
    long batches() {
        return batches.get();
    }

    /**
     * @return items waiting now
     */
    int queued() {
        lock.lock();
        try {
            return pending.size();
        } finally {
            lock.unlock();
        }
    }

    private void work() {
        while (true) {
            List<Job<I, O>> batch;
            lock.lock();
            try {
                batch = nextBatch();
                if (batch == null) {
                    return;
                }
                running++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
            int queuedMeanwhile = 0;
            try {
                queuedMeanwhile = run(batch);
            } finally {
                lock.lock();
                try {
                    running--;
                    finished(batch.size(), queuedMeanwhile);
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /**
     * Called with the lock held when a batch has run: its callers are expected back soon (a
     * closed-loop client sends its next request within a round trip), beside what queued while it
     * ran (counted before its callers were answered, so that none is counted twice).
     */
    private void finished(int batchSize, int queuedMeanwhile) {
        expectedItems = batchSize + queuedMeanwhile;
        lastBatchEndNanos = System.nanoTime();
    }

    /** Called with the lock held; {@code null} once stopped. */
    private List<Job<I, O>> nextBatch() throws InterruptedException {
        while (true) {
            // a caller running its own batch counts as a worker
            while ((pending.isEmpty() || running >= settings.workers()) && !stopped) {
                changed.await();
            }
            if (stopped) {
                return null;
            }
            long waitNanos = settings.maxWait().toNanos();
            if (waitNanos > 0) {
                // wait for the last batch's callers and what queued while it ran: under steady
                // load they all send their next requests within a round trip. Counting from the
                // oldest item alone split 16 closed-loop callers into two alternating batches for
                // good (the half that queued during a batch had waited long enough when it ended,
                // so it ran without the half that was just answered); the wait counts from the
                // end of the last batch too. A single caller never waits.
                int target = Math.min(expectedItems, settings.maxBatchItems());
                long until =
                        Math.max(pending.getFirst().enqueuedNanos, lastBatchEndNanos) + waitNanos;
                long left;
                while (!stopped
                        && !pending.isEmpty()
                        && pendingTokens < settings.maxBatchTokens()
                        && pending.size() < target
                        && (left = until - System.nanoTime()) > 0) {
                    changed.awaitNanos(left);
                }
                if (stopped) {
                    return null;
                }
            }
            purge();
            if (!pending.isEmpty()) {
                return select();
            }
        }
    }

    /** Drops cancelled items and fails expired ones, before they take a batch slot. */
    private void purge() {
        Instant now = Instant.now();
        for (Iterator<Job<I, O>> it = pending.iterator(); it.hasNext(); ) {
            Job<I, O> job = it.next();
            if (job.future.isDone()) {
                it.remove();
                pendingTokens -= job.item.length();
                dropped.incrementAndGet();
            } else if (job.item.deadline() != null && now.isAfter(job.item.deadline())) {
                it.remove();
                pendingTokens -= job.item.length();
                expired.incrementAndGet();
                job.future.completeExceptionally(
                        new DeadlineExceededException(
                                "the deadline passed while the request waited for model " + name));
            }
        }
    }

    /**
     * The oldest item plus the waiting items of its group nearest to it in length, while the padded
     * size (longest x count) stays within the budget: fairness for the oldest, little padding for
     * everyone.
     */
    private List<Job<I, O>> select() {
        Job<I, O> anchor = pending.getFirst();
        List<Job<I, O>> group = new ArrayList<>();
        for (Job<I, O> job : pending) {
            if (Objects.equals(job.item.group(), anchor.item.group())) {
                group.add(job);
            }
        }
        group.sort(Comparator.comparingInt(job -> job.item.length()));
        int at = group.indexOf(anchor);
        int low = at;
        int high = at;
        int longest = anchor.item.length();
        while (high - low + 1 < settings.maxBatchItems()) {
            Job<I, O> below = low > 0 ? group.get(low - 1) : null;
            Job<I, O> above = high < group.size() - 1 ? group.get(high + 1) : null;
            if (below == null && above == null) {
                break;
            }
            int anchorLength = anchor.item.length();
            boolean takeBelow =
                    above == null
                            || (below != null
                                    && anchorLength - below.item.length()
                                            <= above.item.length() - anchorLength);
            Job<I, O> next = takeBelow ? below : above;
            int newLongest = Math.max(longest, next.item.length());
            if ((long) newLongest * (high - low + 2) > settings.maxBatchTokens()) {
                break;
            }
            longest = newLongest;
            if (takeBelow) {
                low--;
            } else {
                high++;
            }
        }
        List<Job<I, O>> batch = new ArrayList<>(group.subList(low, high + 1));
        lastBatchSize = batch.size();
        for (Job<I, O> job : batch) {
            pending.remove(job);
            pendingTokens -= job.item.length();
        }
        return batch;
    }

    /**
     * Runs a batch and answers its callers.
     *
     * @return the items that waited when the batch had run, before its callers were answered
     */
    private int run(List<Job<I, O>> batch) {
        long start = System.nanoTime();
        List<O> results;
        try {
            results = runner.run(batch.stream().map(job -> job.item.input()).toList());
            if (results.size() != batch.size()) {
                throw new IllegalStateException(
                        "the model returned " + results.size() + " results for " + batch.size());
            }
        } catch (Exception | LinkageError e) {
            logger.debug("A batch of {} for model {} failed: {}", batch.size(), name, e.toString());
            int queuedMeanwhile = queued();
            batch.forEach(job -> job.future.completeExceptionally(e));
            return queuedMeanwhile;
        } finally {
            batches.incrementAndGet();
        }
        long end = System.nanoTime();
        int queuedMeanwhile = queued();
        for (int i = 0; i < batch.size(); i++) {
            Job<I, O> job = batch.get(i);
            job.future.complete(
                    new Done<>(
                            results.get(i), start - job.enqueuedNanos, end - start, batch.size()));
        }
        return queuedMeanwhile;
    }

    /**
     * Stops taking items; with {@code drain}, lets the queued ones run first, else fails them.
     * Returns once the workers have stopped.
     */
    void shutdown(boolean drain) throws InterruptedException {
        List<Job<I, O>> abandoned = new ArrayList<>();
        lock.lock();
        try {
            accepting = false;
            while (drain && (!pending.isEmpty() || running > 0)) {
                changed.await();
            }
            stopped = true;
            abandoned.addAll(pending);
            pending.clear();
            pendingTokens = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        abandoned.forEach(
                job ->
                        job.future.completeExceptionally(
                                new UnavailableException("model " + name + " was unloaded")));
        for (Thread worker : workers) {
            worker.join();
        }
    }
}
