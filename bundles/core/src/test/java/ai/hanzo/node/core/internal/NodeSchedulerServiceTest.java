package ai.hanzo.node.core.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.DeadlineExceededException;
import ai.hanzo.node.api.ResourceExhaustedException;
import java.lang.annotation.Annotation;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NodeSchedulerServiceTest {
    private NodeSchedulerService scheduler;

    @AfterEach
    void stop() throws InterruptedException {
        scheduler.stop();
    }

    @Test
    void periodicTaskThatThrowsKeepsRunning() {
        scheduler = new NodeSchedulerService(config(1, 2, 8));
        AtomicInteger runs = new AtomicInteger();
        ScheduledFuture<?> schedule =
                scheduler.scheduleWithFixedDelay(
                        "failing tick",
                        () -> {
                            runs.incrementAndGet();
                            throw new IllegalStateException("boom");
                        },
                        Duration.ZERO,
                        Duration.ofMillis(5));
        await().atMost(5, TimeUnit.SECONDS).until(() -> runs.get() >= 3);
        schedule.cancel(false);
    }

    @Test
    void hungTaskFailsWithDeadlineAndIsInterrupted() throws Exception {
        scheduler = new NodeSchedulerService(config(1, 2, 8));
        CountDownLatch interrupted = new CountDownLatch(1);
        CompletableFuture<String> result =
                scheduler.submit(
                        "hanging plugin call",
                        () -> {
                            try {
                                new CountDownLatch(1).await();
                            } catch (InterruptedException e) {
                                interrupted.countDown();
                            }
                            return "never";
                        },
                        Duration.ofMillis(50));
        ExecutionException failure = assertThrows(ExecutionException.class, result::get);
        assertInstanceOf(DeadlineExceededException.class, failure.getCause());
        assertTrue(failure.getCause().getMessage().contains("hanging plugin call"));
        assertTrue(interrupted.await(5, TimeUnit.SECONDS), "the hung task was interrupted");
    }

    @Test
    void fullQueueRefusesAtOnceInsteadOfGrowing() throws Exception {
        scheduler = new NodeSchedulerService(config(1, 1, 1));
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Object> busy =
                scheduler.submit(
                        "busy",
                        () -> {
                            release.await();
                            return null;
                        });
        CompletableFuture<Object> queued = scheduler.submit("queued", () -> "ok");
        CompletableFuture<Object> refused = scheduler.submit("one too many", () -> "ok");
        ExecutionException failure = assertThrows(ExecutionException.class, refused::get);
        assertInstanceOf(ResourceExhaustedException.class, failure.getCause());
        release.countDown();
        busy.get(5, TimeUnit.SECONDS);
        assertEquals("ok", queued.get(5, TimeUnit.SECONDS));
    }

    @Test
    void taskFailurePassesThrough() {
        scheduler = new NodeSchedulerService(config(1, 1, 4));
        CompletableFuture<Object> result =
                scheduler.submit(
                        "bad",
                        () -> {
                            throw new IllegalArgumentException("bad input");
                        });
        ExecutionException failure = assertThrows(ExecutionException.class, result::get);
        assertInstanceOf(IllegalArgumentException.class, failure.getCause());
    }

    private static NodeSchedulerService.Config config(int timers, int workers, int queue) {
        return new NodeSchedulerService.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return NodeSchedulerService.Config.class;
            }

            @Override
            public int timerThreads() {
                return timers;
            }

            @Override
            public int workerThreads() {
                return workers;
            }

            @Override
            public int workerQueue() {
                return queue;
            }
        };
    }
}
