package ai.hanzo.node.compute.internal.process;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.LogOptions;
import ai.hanzo.node.api.runtime.StreamSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The follower on a real log directory: bursts across rotations, and a follower left behind. */
class LogFollowerTest {
    private final NodeScheduler scheduler = ai.hanzo.node.compute.internal.TestSchedulers.create();
    @TempDir Path dir;

    @AfterEach
    void stop() {
        ai.hanzo.node.compute.internal.TestSchedulers.close(scheduler);
    }

    /** Collects lines; the first line waits for {@code gate} when one is set. */
    private static final class Lines implements StreamSink<LogLine> {
        final List<String> items = new CopyOnWriteArrayList<>();
        final AtomicReference<Throwable> failed = new AtomicReference<>();
        final CountDownLatch firstArrived = new CountDownLatch(1);
        volatile CountDownLatch gate;

        @Override
        public void next(LogLine line) throws InterruptedException {
            items.add(line.message());
            firstArrived.countDown();
            CountDownLatch g = gate;
            if (g != null) {
                g.await();
                gate = null;
            }
        }

        @Override
        public void complete() {}

        @Override
        public void error(Throwable failure) {
            failed.set(failure);
        }
    }

    private void write(ContainerLog log, int from, int to) throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = from; i <= to; i++) {
            b.append(i).append('\n');
        }
        Files.writeString(
                log.stdoutRaw(),
                b,
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        log.collect(false);
    }

    private static List<String> range(int from, int to) {
        List<String> r = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            r.add(Integer.toString(i));
        }
        return r;
    }

    private List<String> readAll(ContainerLog log) {
        Lines lines = new Lines();
        CountDownLatch done = new CountDownLatch(1);
        StreamSink<LogLine> sink =
                new StreamSink<>() {
                    @Override
                    public void next(LogLine line) throws InterruptedException {
                        lines.next(line);
                    }

                    @Override
                    public void complete() {
                        done.countDown();
                    }

                    @Override
                    public void error(Throwable failure) {
                        lines.error(failure);
                        done.countDown();
                    }
                };
        new LogFollower(
                        "c1",
                        log,
                        new LogOptions(0, false, Optional.empty()),
                        sink,
                        scheduler,
                        x -> {})
                .start();
        await().atMost(Duration.ofSeconds(10)).until(() -> done.getCount() == 0);
        assertNull(lines.failed.get());
        return lines.items;
    }

    @Test
    void theCollectorCutsLinesAtTheLimitStripsCarriageReturnsAndKeepsAnUnfinishedLine()
            throws Exception {
        ContainerLog log = new ContainerLog(dir, 10 << 20, 3, Clock.systemUTC(), 0, 0);
        String limit = "y".repeat(64 * 1024);
        String over = "x".repeat(64 * 1024 + 10);
        Files.writeString(
                log.stdoutRaw(),
                "a\r\n" + limit + "\n" + over + "\nhalf",
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        log.collect(false);
        assertEquals(List.of("a", limit, "x".repeat(64 * 1024), "x".repeat(10)), readAll(log));
        // the unfinished line goes on in the next write, and its end comes with the process's
        Files.writeString(log.stdoutRaw(), "-done\nlast", StandardOpenOption.APPEND);
        log.collect(false);
        log.collect(true);
        List<String> all = readAll(log);
        assertEquals(List.of("half-done", "last"), all.subList(4, all.size()));
    }

    @Test
    void aFollowStartedBeforeTheFirstLineGetsEveryLineOfBurstsThatRotateTheLog() throws Exception {
        ContainerLog log = new ContainerLog(dir, 4096, 3, Clock.systemUTC(), 0, 0);
        Lines lines = new Lines();
        LogFollower f =
                new LogFollower(
                        "c1",
                        log,
                        new LogOptions(0, true, Optional.empty()),
                        lines,
                        scheduler,
                        x -> {});
        f.start();
        // each burst is about three times the rotation size, written and rotated in one round
        write(log, 1, 300);
        f.wake();
        write(log, 301, 600);
        f.wake();
        await().atMost(Duration.ofSeconds(10)).until(() -> lines.items.size() >= 600);
        assertNull(lines.failed.get());
        assertEquals(range(1, 600), lines.items);
        assertTrue(Files.exists(dir.resolve("container.log.2")), "the log rotated twice");
        f.close();
    }

    @Test
    void aFollowerLeftBehindByRotationGoesOnWithTheOldestKeptFileInOrder() throws Exception {
        ContainerLog log = new ContainerLog(dir, 1024, 2, Clock.systemUTC(), 0, 0);
        write(log, 1, 10);
        Lines lines = new Lines();
        lines.gate = new CountDownLatch(1);
        LogFollower f =
                new LogFollower(
                        "c1",
                        log,
                        new LogOptions(0, true, Optional.empty()),
                        lines,
                        scheduler,
                        x -> {});
        f.start();
        lines.firstArrived.await();
        // while the reader holds its first line, the log rotates well past the two kept files
        for (int burst = 0; burst < 6; burst++) {
            write(log, 11 + burst * 100, 110 + burst * 100);
        }
        CountDownLatch gate = lines.gate;
        gate.countDown();
        f.wake();
        await().atMost(Duration.ofSeconds(10))
                .until(
                        () ->
                                !lines.items.isEmpty()
                                        && lines.items.get(lines.items.size() - 1).equals("610"));
        assertNull(lines.failed.get());
        List<Integer> got = lines.items.stream().map(Integer::parseInt).toList();
        for (int i = 1; i < got.size(); i++) {
            assertTrue(got.get(i) > got.get(i - 1), "in order, none twice: " + got);
        }
        assertEquals(
                range(1, 10), lines.items.subList(0, 10), "the file it was reading, to its end");
        assertTrue(got.size() < 610, "what was rotated away is skipped: " + got.size() + " lines");
        f.close();
    }
}
