package ai.hanzo.node.inference.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.ResourceExhaustedException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The batching logic with a runner the test holds: no model needed. */
class DynamicBatcherTest {
    private final CountDownLatch firstBatchStarted = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<List<Integer>> batches = new CopyOnWriteArrayList<>();
    private final List<Thread> runners = new CopyOnWriteArrayList<>();
    private DynamicBatcher<Integer, Integer> batcher;

    private DynamicBatcher<Integer, Integer> start(int budget, int maxItems, int capacity) {
        return start(budget, maxItems, capacity, Duration.ZERO);
    }

    private DynamicBatcher<Integer, Integer> start(
            int budget, int maxItems, int capacity, Duration maxWait) {
        batcher =
                new DynamicBatcher<>(
                        "test",
                        new DynamicBatcher.Settings(budget, maxItems, maxWait, capacity, 1),
                        batch -> {
                            batches.add(batch);
                            runners.add(Thread.currentThread());
                            firstBatchStarted.countDown();
                            assertTrue(release.await(30, TimeUnit.SECONDS));
                            return batch.stream().map(i -> i * 2).toList();
                        });
        return batcher;
    }

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        batcher.shutdown(false);
    }

    private static DynamicBatcher.Item<Integer> item(int length) {
        return new DynamicBatcher.Item<>(length, "g", length, null);
    }

    /**
     * Occupies the batcher with one item so later ones queue up. The item finds the batcher idle,
     * so it runs on the thread that submits it: a thread of its own here.
     */
    private Thread blockWorker() throws Exception {
        Thread caller = new Thread(() -> batcher.submit(List.of(item(1))), "blocking-caller");
        caller.setDaemon(true);
        caller.start();
        assertTrue(firstBatchStarted.await(30, TimeUnit.SECONDS));
        return caller;
    }

    /**
     * With a wait allowed, the worker gathers the last batch's callers and what queued while it ran
     * before it runs: 3 items queue while a batch of 1 runs; when it ends, the worker waits for 4
     * (its caller sends again), and runs them as one batch, not as a batch of 3 followed by one of
     * 1. Four callers sending again then run as one batch of 4. The wait (a minute) never runs out.
     */
    @Test
    void aWorkerWaitsForTheLastBatchsCallersAndWhatQueuedMeanwhile() throws Exception {
        start(1000, 8, 10, Duration.ofMinutes(1));
        Thread first = blockWorker();
        List<CompletableFuture<DynamicBatcher.Done<Integer>>> four = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            four.addAll(batcher.submit(List.of(item(2))));
        }
        release.countDown();
        first.join(30_000);
        assertFalse(first.isAlive(), "the first batch ended");
        assertEquals(3, batcher.queued(), "the worker waits for the first batch's caller");
        four.addAll(batcher.submit(List.of(item(2))));
        for (var done : four) {
            assertEquals(4, done.get(30, TimeUnit.SECONDS).batchSize());
        }
        List<CompletableFuture<DynamicBatcher.Done<Integer>>> again = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            again.addAll(batcher.submit(List.of(item(2))));
        }
        for (var done : again) {
            assertEquals(4, done.get(30, TimeUnit.SECONDS).batchSize());
        }
        assertEquals(List.of(1, 4, 4), batches.stream().map(List::size).toList());
    }

    /**
     * Closed-loop callers split into two groups join again: group A (2) runs while group B (2)
     * queues; when A's batch ends, A's callers send again within the wait and the next batch holds
     * all 4. (Counting the wait from B's oldest item alone ran B at once, and the two groups kept
     * alternating in batches of 2.)
     */
    @Test
    void twoGroupsOfCallersJoinIntoOneBatch() throws Exception {
        Semaphore runs = new Semaphore(0);
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        batcher =
                new DynamicBatcher<>(
                        "groups",
                        new DynamicBatcher.Settings(1000, 8, Duration.ofMinutes(1), 10, 1),
                        batch -> {
                            sizes.add(batch.size());
                            assertTrue(runs.tryAcquire(30, TimeUnit.SECONDS));
                            return batch.stream().map(i -> i * 2).toList();
                        });
        // a first item runs on its caller's thread; a second queues meanwhile
        Thread first = new Thread(() -> batcher.submit(List.of(item(1))), "first-caller");
        first.setDaemon(true);
        first.start();
        await().atMost(30, TimeUnit.SECONDS).until(() -> sizes.size() == 1);
        var groupA = new ArrayList<>(batcher.submit(List.of(item(1))));
        runs.release();
        first.join(30_000);
        assertFalse(first.isAlive(), "the first batch ended");
        // the first caller sends again: with the queued one, group A's batch of 2
        groupA.addAll(batcher.submit(List.of(item(1))));
        await().atMost(30, TimeUnit.SECONDS).until(() -> sizes.size() == 2);
        // group B queues while group A's batch runs
        var groupB = new ArrayList<>(batcher.submit(List.of(item(1))));
        groupB.addAll(batcher.submit(List.of(item(1))));
        runs.release();
        for (var done : groupA) {
            assertEquals(2, done.get(30, TimeUnit.SECONDS).batchSize());
        }
        // group A's callers send again and join group B
        var again = new ArrayList<>(batcher.submit(List.of(item(1))));
        again.addAll(batcher.submit(List.of(item(1))));
        runs.release();
        for (var done : again) {
            assertEquals(4, done.get(30, TimeUnit.SECONDS).batchSize());
        }
        for (var done : groupB) {
            assertEquals(4, done.get(30, TimeUnit.SECONDS).batchSize());
        }
        assertEquals(List.of(1, 2, 4), sizes);
    }

    /**
     * One caller at a time never waits, however long the allowed wait, and runs its batch on its
     * own thread (no hand-off to the worker).
     */
    @Test
    void aSingleCallerNeverWaitsForABatch() throws Exception {
        start(1000, 8, 10, Duration.ofMinutes(1));
        release.countDown();
        for (int i = 1; i <= 5; i++) {
            assertEquals(
                    2 * i,
                    batcher.submit(List.of(item(i))).get(0).get(30, TimeUnit.SECONDS).value());
        }
        assertEquals(5, batches.size());
        assertTrue(runners.stream().allMatch(t -> t == Thread.currentThread()), "ran inline");
    }

    /** Items that arrive while a batch runs go to the worker thread, not to their callers. */
    @Test
    void itemsArrivingDuringABatchRunOnTheWorker() throws Exception {
        start(1000, 8, 10);
        blockWorker();
        var queued = batcher.submit(List.of(item(4))).get(0);
        assertEquals(1, batcher.queued(), "queued, not run by this thread");
        release.countDown();
        assertEquals(8, queued.get(30, TimeUnit.SECONDS).value());
        assertTrue(
                runners.get(1).getName().startsWith("hanzo-inference-test-"),
                runners.get(1).getName());
    }

    @Test
    void aFullQueueRefusesAtOnceWithResourceExhausted() throws Exception {
        start(1000, 8, 3);
        blockWorker();
        batcher.submit(List.of(item(5), item(5)));
        ResourceExhaustedException full =
                assertThrows(
                        ResourceExhaustedException.class,
                        () -> batcher.submit(List.of(item(5), item(5))));
        assertTrue(full.getMessage().contains("overloaded"), full.getMessage());
        assertEquals(2, batcher.queued(), "the refused request queued none of its items");
        batcher.submit(List.of(item(5))); // one still fits
    }

    @Test
    void cancelledItemsAreDroppedBeforeTheyRun() throws Exception {
        start(1000, 8, 10);
        blockWorker();
        var cancelled = batcher.submit(List.of(item(7))).get(0);
        var kept = batcher.submit(List.of(item(9))).get(0);
        cancelled.cancel(false);
        release.countDown();
        assertEquals(18, kept.get(30, TimeUnit.SECONDS).value());
        assertEquals(1, batcher.dropped());
        assertTrue(batches.stream().noneMatch(b -> b.contains(7)), "never ran: " + batches);
    }

    @Test
    void itemsPastTheirDeadlineFailWithoutRunning() throws Exception {
        start(1000, 8, 10);
        blockWorker();
        var late =
                batcher.submit(
                                List.of(
                                        new DynamicBatcher.Item<>(
                                                3, "g", 3, Instant.now().minusMillis(1))))
                        .get(0);
        release.countDown();
        Throwable failure =
                assertThrows(Exception.class, () -> late.get(30, TimeUnit.SECONDS)).getCause();
        Failures.assertCode(failure, "DEADLINE_EXCEEDED", "deadline");
        assertEquals(1, batcher.expired());
    }

    @Test
    void batchesGroupSimilarLengthsWithinTheTokenBudget() throws Exception {
        start(600, 8, 20);
        blockWorker();
        List<CompletableFuture<DynamicBatcher.Done<Integer>>> all = new ArrayList<>();
        for (int length : new int[] {10, 200, 12, 190, 11, 195}) {
            all.addAll(batcher.submit(List.of(item(length))));
        }
        release.countDown();
        for (var f : all) {
            f.get(30, TimeUnit.SECONDS);
        }
        // after the blocking batch: the oldest (10) with its neighbours, then the long ones
        assertEquals(List.of(10, 11, 12), batches.get(1));
        assertEquals(List.of(190, 195), batches.get(2).subList(0, 2));
        for (List<Integer> batch : batches) {
            int longest = batch.stream().mapToInt(i -> i).max().orElse(0);
            assertTrue(longest * batch.size() <= 600, "within budget: " + batch);
        }
        assertEquals(3, all.get(0).get().batchSize());
    }
}
