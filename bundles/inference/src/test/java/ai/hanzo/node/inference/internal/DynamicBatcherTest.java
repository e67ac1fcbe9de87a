package ai.hanzo.node.inference.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The batching logic with a runner the test holds: no model needed. */
class DynamicBatcherTest {
    private final CountDownLatch firstBatchStarted = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<List<Integer>> batches = new CopyOnWriteArrayList<>();
    private DynamicBatcher<Integer, Integer> batcher;

    private DynamicBatcher<Integer, Integer> start(int budget, int maxItems, int capacity) {
        batcher =
                new DynamicBatcher<>(
                        "test",
                        new DynamicBatcher.Settings(budget, maxItems, Duration.ZERO, capacity, 1),
                        batch -> {
                            batches.add(batch);
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

    /** Occupies the worker with one item so later ones queue up. */
    private CompletableFuture<DynamicBatcher.Done<Integer>> blockWorker() throws Exception {
        CompletableFuture<DynamicBatcher.Done<Integer>> first =
                batcher.submit(List.of(item(1))).get(0);
        assertTrue(firstBatchStarted.await(30, TimeUnit.SECONDS));
        return first;
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
