package ai.hanzo.node.compute.internal.process;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.LogOptions;
import ai.hanzo.node.api.runtime.StreamSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one container's log to a sink: the selected stored lines, then (when following) each new
 * line as the collector writes it, across rotations, until the container has exited and its last
 * line was delivered. Runs on the scheduler's workers only while there is something to deliver;
 * blocking in the sink holds back only this stream.
 */
final class LogFollower implements Subscription {
    private final Logger logger = LoggerFactory.getLogger(LogFollower.class);
    private final String containerId;
    private final ContainerLog log;
    private final LogOptions options;
    private final StreamSink<LogLine> sink;
    private final NodeScheduler scheduler;
    private final Consumer<LogFollower> onClose;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicBoolean woken = new AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean containerEnded;
    private boolean initialDone;
    private Object fileKey;
    private long offset;

    LogFollower(
            String containerId,
            ContainerLog log,
            LogOptions options,
            StreamSink<LogLine> sink,
            NodeScheduler scheduler,
            Consumer<LogFollower> onClose) {
        this.containerId = containerId;
        this.log = log;
        this.options = options;
        this.sink = sink;
        this.scheduler = scheduler;
        this.onClose = onClose;
    }

    /** New lines may be there. */
    void wake() {
        woken.set(true);
        kick();
    }

    /** The container exited and its last output was collected. */
    void containerEnded() {
        containerEnded = true;
        wake();
    }

    void start() {
        kick();
    }

    @Override
    public void close() {
        closed = true;
        onClose.accept(this);
    }

    private void kick() {
        if (!closed && scheduled.compareAndSet(false, true)) {
            scheduler
                    .submit("logs of " + containerId, this::pump)
                    .exceptionally(
                            e -> {
                                scheduled.set(false);
                                if (!closed) {
                                    closed = true;
                                    onClose.accept(this);
                                    sink.error(e);
                                }
                                return null;
                            });
        }
    }

    private Void pump() {
        try {
            if (!initialDone) {
                initialDone = true;
                deliverStored();
                if (!options.follow()) {
                    finish();
                    return null;
                }
            }
            while (!closed) {
                woken.set(false);
                boolean ended = containerEnded;
                deliverNew();
                if (ended && !woken.get()) {
                    finish();
                    return null;
                }
                if (!woken.get()) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(e);
        } catch (IOException | RuntimeException e) {
            fail(e);
        } finally {
            scheduled.set(false);
            if (!closed && woken.get()) {
                kick();
            }
        }
        return null;
    }

    private void finish() {
        if (!closed) {
            closed = true;
            onClose.accept(this);
            sink.complete();
        }
    }

    private void fail(Exception e) {
        if (!closed) {
            closed = true;
            onClose.accept(this);
            logger.debug("Log stream of {} failed", containerId, e);
            sink.error(e);
        }
    }

    private void deliverStored() throws IOException, InterruptedException {
        List<Path> files = log.files();
        int tail = options.tail();
        ArrayDeque<LogLine> kept = new ArrayDeque<>();
        List<LogLine> all = new ArrayList<>();
        for (Path f : files) {
            boolean current = f.equals(files.get(files.size() - 1));
            Object key = ContainerLog.fileKey(f);
            long[] consumed = new long[1];
            for (LogLine line : readFrom(f, 0, consumed)) {
                if (options.since().map(s -> !line.timestamp().isBefore(s)).orElse(true)) {
                    if (tail > 0) {
                        kept.addLast(line);
                        if (kept.size() > tail) {
                            kept.removeFirst();
                        }
                    } else {
                        all.add(line);
                    }
                }
            }
            if (current) {
                fileKey = key;
                offset = consumed[0];
            }
        }
        for (LogLine line : tail > 0 ? kept : all) {
            if (closed) {
                return;
            }
            sink.next(line);
        }
    }

    private void deliverNew() throws IOException, InterruptedException {
        List<Path> files = log.files();
        Path current = files.get(files.size() - 1);
        Object currentKey = ContainerLog.fileKey(current);
        if (fileKey != null && !Objects.equals(fileKey, currentKey)) {
            // rotated since the last read: finish the file we were reading, wherever it went
            for (Path f : files) {
                if (Objects.equals(ContainerLog.fileKey(f), fileKey)) {
                    for (LogLine line : readFrom(f, offset, new long[1])) {
                        if (closed) {
                            return;
                        }
                        sink.next(line);
                    }
                }
            }
            offset = 0;
        }
        fileKey = currentKey;
        long[] consumed = new long[1];
        List<LogLine> lines = readFrom(current, offset, consumed);
        offset = consumed[0];
        for (LogLine line : lines) {
            if (closed) {
                return;
            }
            sink.next(line);
        }
    }

    /**
     * Reads the whole lines of {@code file} from {@code from}; {@code end[0]} gets where they end.
     */
    private List<LogLine> readFrom(Path file, long from, long[] end) throws IOException {
        List<LogLine> lines = new ArrayList<>();
        end[0] = from;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size <= from) {
                return lines;
            }
            ByteBuffer buf = ByteBuffer.allocate((int) (size - from));
            while (buf.hasRemaining() && ch.read(buf, from + buf.position()) > 0) {
                // read it all
            }
            byte[] bytes = buf.array();
            int start = 0;
            for (int i = 0; i < buf.position(); i++) {
                if (bytes[i] == '\n') {
                    ContainerLog.parse(
                                    new String(bytes, start, i - start, StandardCharsets.UTF_8),
                                    containerId)
                            .ifPresent(lines::add);
                    start = i + 1;
                }
            }
            end[0] = from + start;
        } catch (NoSuchFileException e) {
            // nothing written yet
        }
        return lines;
    }
}
