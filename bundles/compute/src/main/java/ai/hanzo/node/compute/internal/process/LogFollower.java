package ai.hanzo.node.compute.internal.process;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.LogOptions;
import ai.hanzo.node.api.runtime.LogStream;
import ai.hanzo.node.api.runtime.StreamSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
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
 *
 * <p>The position is a file identity (its inode, which survives the rotation's renames) and an
 * offset in it; each round reads on from there through every newer file, in bounded chunks, so a
 * burst that the collector writes and rotates before the follower looks is still delivered whole,
 * and memory does not grow with the size of a burst.
 */
final class LogFollower implements Subscription {
    private static final int CHUNK = 128 * 1024;
    private static final byte[] STDERR = "stderr".getBytes(StandardCharsets.US_ASCII);

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
    // the file being read (null: none yet, start at the oldest) and how far
    private Object fileKey;
    private long offset;
    private ByteBuffer buffer;
    // lines of one collection round share their stamp: parse it once
    private byte[] lastStamp = new byte[0];
    private Instant lastInstant;

    /** What to do with each line read. */
    @FunctionalInterface
    private interface LineHandler {
        void line(LogLine line) throws InterruptedException;
    }

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
                woken.set(false);
                deliverStored();
                if (!options.follow()) {
                    finish();
                    return null;
                }
            }
            while (!closed) {
                woken.set(false);
                boolean ended = containerEnded;
                readOn(sink::next);
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
            buffer = null; // idle streams hold no buffer
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
        int tail = options.tail();
        Instant since = options.since().orElse(null);
        if (tail <= 0) {
            readOn(
                    line -> {
                        if (since == null || !line.timestamp().isBefore(since)) {
                            sink.next(line);
                        }
                    });
            return;
        }
        ArrayDeque<LogLine> kept = new ArrayDeque<>(Math.min(tail, 1024));
        readOn(
                line -> {
                    if (since == null || !line.timestamp().isBefore(since)) {
                        kept.addLast(line);
                        if (kept.size() > tail) {
                            kept.removeFirst();
                        }
                    }
                });
        for (LogLine line : kept) {
            if (closed) {
                return;
            }
            sink.next(line);
        }
    }

    /**
     * Reads on from the position to the end of the newest file, through every file rotated since,
     * handing each whole line to {@code handler} and moving the position past it.
     */
    private void readOn(LineHandler handler) throws IOException, InterruptedException {
        while (!closed) {
            List<ContainerLog.LogFile> files = log.files();
            List<Object> keys = new ArrayList<>(files.size());
            for (ContainerLog.LogFile f : files) {
                keys.add(f.key());
            }
            int from = 0;
            if (fileKey != null) {
                from = keys.indexOf(fileKey);
                if (from < 0) {
                    // our file was rotated out of the kept ones before we finished it
                    logger.debug(
                            "Log of {} rotated past a follower; going on with the oldest kept",
                            containerId);
                    from = 0;
                    fileKey = null;
                }
            }
            if (!readFiles(files, keys, from, handler)) {
                return;
            }
            // a rotation happened between listing and opening: list again
        }
    }

    /**
     * @return true when a file was rotated under the read (the caller lists again)
     */
    private boolean readFiles(
            List<ContainerLog.LogFile> files, List<Object> keys, int from, LineHandler handler)
            throws IOException, InterruptedException {
        for (int i = from; i < files.size() && !closed; i++) {
            Object key = keys.get(i);
            if (key == null) {
                continue; // the current file before its first line
            }
            Path file = files.get(i).path();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                if (!Objects.equals(ContainerLog.fileKey(file), key)) {
                    return true;
                }
                if (!key.equals(fileKey)) {
                    fileKey = key;
                    offset = 0;
                }
                readLines(ch, handler);
            } catch (NoSuchFileException e) {
                return true;
            }
        }
        return false;
    }

    /** Reads the whole lines of the open file from the offset to its size at the start. */
    private void readLines(FileChannel ch, LineHandler handler)
            throws IOException, InterruptedException {
        long size = ch.size();
        if (size < offset) {
            offset = 0; // not the file we read before (its inode was reused)
        }
        if (buffer == null) {
            buffer = ByteBuffer.allocate(CHUNK);
        }
        buffer.clear();
        long readAt = offset;
        while (readAt < size && !closed) {
            int n = ch.read(buffer, readAt);
            if (n <= 0) {
                break;
            }
            readAt += n;
            byte[] bytes = buffer.array();
            int filled = buffer.position();
            int start = 0;
            for (int i = 0; i < filled; i++) {
                if (bytes[i] == '\n') {
                    LogLine line = parse(bytes, start, i);
                    start = i + 1;
                    if (line != null) {
                        handler.line(line);
                        if (closed) {
                            return;
                        }
                    }
                }
            }
            offset += start; // past the chunk's whole lines (a closed stream no longer cares)
            if (start == 0 && filled == buffer.capacity()) {
                // a line longer than the buffer (the collector caps lines, so only just)
                buffer = ByteBuffer.wrap(Arrays.copyOf(bytes, bytes.length * 2));
                buffer.position(filled);
            } else {
                buffer.position(0);
                buffer.put(bytes, start, filled - start);
            }
        }
    }

    /**
     * Parses {@code <instant> <stream> <text>} in bytes[from, to); null if it is not one of ours.
     */
    private LogLine parse(byte[] bytes, int from, int to) {
        int a = indexOf(bytes, from, to);
        int b = a < 0 ? -1 : indexOf(bytes, a + 1, to);
        if (b < 0) {
            return null;
        }
        Instant t;
        if (Arrays.equals(bytes, from, a, lastStamp, 0, lastStamp.length)) {
            t = lastInstant;
        } else {
            try {
                t = Instant.parse(new String(bytes, from, a - from, StandardCharsets.US_ASCII));
            } catch (DateTimeParseException e) {
                return null;
            }
            lastStamp = Arrays.copyOfRange(bytes, from, a);
            lastInstant = t;
        }
        LogStream s =
                Arrays.equals(bytes, a + 1, b, STDERR, 0, STDERR.length)
                        ? LogStream.STDERR
                        : LogStream.STDOUT;
        return new LogLine(
                t,
                containerId,
                "",
                s,
                new String(bytes, b + 1, to - b - 1, StandardCharsets.UTF_8));
    }

    private static int indexOf(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == ' ') {
                return i;
            }
        }
        return -1;
    }
}
