package ai.hanzo.node.compute.internal.process;

import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.LogStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One container's log. The process writes its stdout and stderr straight into {@code stdout.raw}
 * and {@code stderr.raw} (opened for append, so the process never depends on the node being alive
 * to read a pipe); the node collects what is new into {@code container.log}, one line per output
 * line as {@code <instant> <stream> <text>}, rotated at a size limit with a bounded number of older
 * files ({@code container.log.1} is the newest of those).
 *
 * <p>Lines are stamped when the node collects them (within one collection interval of being written
 * while the node runs; when the node was down, at its re-adoption). A raw file is emptied once
 * fully collected and larger than {@link #RAW_TRUNCATE_BYTES}; bytes the process writes in the
 * instant between the last read and the truncation are lost, which is why it happens rarely.
 */
final class ContainerLog {
    static final String FILE = "container.log";
    static final long RAW_TRUNCATE_BYTES = 1 << 20;
    private static final int MAX_LINE = 64 * 1024;
    private static final int READ_CHUNK = 256 * 1024;

    private final Path dir;
    private final long maxBytes;
    private final int maxFiles;
    private final Clock clock;
    private final RawSource stdout;
    private final RawSource stderr;
    private FileChannel out;
    private final Object rotation = new Object();

    /** A raw output file and how far it has been collected. */
    private static final class RawSource {
        final Path file;
        final LogStream stream;
        long offset;
        final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        RawSource(Path file, LogStream stream, long offset) {
            this.file = file;
            this.stream = stream;
            this.offset = offset;
        }
    }

    ContainerLog(
            Path dir,
            long maxBytes,
            int maxFiles,
            Clock clock,
            long stdoutOffset,
            long stderrOffset) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
        this.clock = clock;
        this.stdout = new RawSource(dir.resolve("stdout.raw"), LogStream.STDOUT, stdoutOffset);
        this.stderr = new RawSource(dir.resolve("stderr.raw"), LogStream.STDERR, stderrOffset);
    }

    Path stdoutRaw() {
        return stdout.file;
    }

    Path stderrRaw() {
        return stderr.file;
    }

    long stdoutOffset() {
        return stdout.offset;
    }

    long stderrOffset() {
        return stderr.offset;
    }

    /**
     * Moves what the process wrote since the last call into the log.
     *
     * @param flush also write a last line that has no line end yet (the process has exited)
     * @return whether anything was written
     * @throws IOException when the log cannot be written
     */
    synchronized boolean collect(boolean flush) throws IOException {
        boolean wrote = collect(stdout, flush);
        wrote |= collect(stderr, flush);
        if (out != null && out.size() >= maxBytes) {
            rotate();
        }
        return wrote;
    }

    private boolean collect(RawSource src, boolean flush) throws IOException {
        boolean wrote = false;
        if (!flush) {
            // the common case, nothing new: one stat instead of an open and a close
            try {
                if (Files.size(src.file) == src.offset) {
                    return false;
                }
            } catch (NoSuchFileException e) {
                return false;
            }
        }
        try (FileChannel in = FileChannel.open(src.file, StandardOpenOption.READ)) {
            long size = in.size();
            if (size < src.offset) {
                src.offset = 0; // emptied by someone else
            }
            ByteBuffer buf =
                    ByteBuffer.allocate((int) Math.min(READ_CHUNK, Math.max(1, size - src.offset)));
            // bytes in, bytes out: the text is not decoded here (readers decode it), and what a
            // round collects is written chunk by chunk, so a burst costs no more memory than one
            Lines lines = new Lines(buf.capacity() + buf.capacity() / 2);
            byte[] prefix = null;
            while (src.offset < size) {
                buf.clear();
                int n = in.read(buf, src.offset);
                if (n <= 0) {
                    break;
                }
                src.offset += n;
                if (prefix == null) {
                    prefix = prefix(src.stream);
                }
                split(buf.array(), n, src, prefix, lines);
                if (lines.count >= READ_CHUNK) {
                    lines.writeTo(writer());
                    wrote = true;
                }
            }
            if (flush && src.partial.size() > 0) {
                lines.append(prefix != null ? prefix : prefix(src.stream), src.partial);
            }
            if (lines.count > 0) {
                lines.writeTo(writer());
                wrote = true;
            }
            if (src.offset == size && size >= RAW_TRUNCATE_BYTES) {
                try (FileChannel t = FileChannel.open(src.file, StandardOpenOption.WRITE)) {
                    t.truncate(0);
                }
                src.offset = 0;
            }
        } catch (NoSuchFileException e) {
            src.offset = 0;
        }
        return wrote;
    }

    /** {@code <instant> <stream> }: the collection round's stamp, the same for all its lines. */
    private byte[] prefix(LogStream stream) {
        return (clock.instant().toString() + ' ' + stream.wireName() + ' ')
                .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Cuts {@code a[0, n)} into lines after what {@code src} holds of an unfinished one; a line
     * longer than {@link #MAX_LINE} bytes is cut there.
     */
    private static void split(byte[] a, int n, RawSource src, byte[] prefix, Lines lines) {
        int i = 0;
        while (i < n) {
            if (src.partial.size() >= MAX_LINE) {
                lines.append(prefix, src.partial);
                if (a[i] == '\n') {
                    i++;
                    continue;
                }
            }
            int room = MAX_LINE - src.partial.size();
            int searchEnd = (int) Math.min(n, (long) i + room + 1);
            int nl = -1;
            for (int j = i; j < searchEnd; j++) {
                if (a[j] == '\n') {
                    nl = j;
                    break;
                }
            }
            if (nl >= 0) {
                if (src.partial.size() == 0) {
                    lines.append(prefix, a, i, nl - i);
                } else {
                    src.partial.write(a, i, nl - i);
                    lines.append(prefix, src.partial);
                }
                i = nl + 1;
            } else {
                int end = (int) Math.min(n, (long) i + room);
                src.partial.write(a, i, end - i);
                i = end;
            }
        }
    }

    /** Collected lines waiting to be written. */
    private static final class Lines {
        byte[] bytes;
        int count;

        Lines(int capacity) {
            bytes = new byte[capacity];
        }

        void append(byte[] prefix, ByteArrayOutputStream partial) {
            byte[] text = partial.toByteArray();
            partial.reset();
            append(prefix, text, 0, text.length);
        }

        void append(byte[] prefix, byte[] text, int from, int length) {
            if (length > 0 && text[from + length - 1] == '\r') {
                length--;
            }
            int need = count + prefix.length + length + 1;
            if (need > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(need, bytes.length * 2));
            }
            System.arraycopy(prefix, 0, bytes, count, prefix.length);
            count += prefix.length;
            System.arraycopy(text, from, bytes, count, length);
            count += length;
            bytes[count++] = '\n';
        }

        void writeTo(FileChannel out) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes, 0, count);
            while (b.hasRemaining()) {
                out.write(b);
            }
            count = 0;
        }
    }

    private FileChannel writer() throws IOException {
        if (out == null) {
            out =
                    FileChannel.open(
                            dir.resolve(FILE),
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE,
                            StandardOpenOption.APPEND);
        }
        return out;
    }

    private void rotate() throws IOException {
        out.close();
        out = null;
        // followers list the files under the same lock: they never see a rotation half done
        synchronized (rotation) {
            Files.deleteIfExists(dir.resolve(FILE + "." + maxFiles));
            for (int i = maxFiles - 1; i >= 1; i--) {
                Path f = dir.resolve(FILE + "." + i);
                if (Files.exists(f)) {
                    Files.move(
                            f, dir.resolve(FILE + "." + (i + 1)), StandardCopyOption.ATOMIC_MOVE);
                }
            }
            Files.move(dir.resolve(FILE), dir.resolve(FILE + ".1"), StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Closes the log's open file. */
    synchronized void close() {
        try {
            if (out != null) {
                out.close();
            }
        } catch (IOException e) {
            // nothing left to lose
        }
        out = null;
    }

    /** A log file and its identity (null when absent). */
    record LogFile(Path path, Object key) {}

    /**
     * @return the log files, oldest first, the current one last (its key is null before its first
     *     line), as they were at one instant between rotations
     */
    List<LogFile> files() {
        List<LogFile> files = new ArrayList<>();
        synchronized (rotation) {
            for (int i = maxFiles; i >= 1; i--) {
                Path f = dir.resolve(FILE + "." + i);
                Object key = fileKey(f);
                if (key != null) {
                    files.add(new LogFile(f, key));
                }
            }
            Path current = dir.resolve(FILE);
            files.add(new LogFile(current, fileKey(current)));
        }
        return files;
    }

    /**
     * @param line a stored line
     * @param containerId the container, for the value
     * @return the parsed line, empty if it is not one of ours
     */
    static Optional<LogLine> parse(String line, String containerId) {
        int a = line.indexOf(' ');
        int b = a < 0 ? -1 : line.indexOf(' ', a + 1);
        if (b < 0) {
            return Optional.empty();
        }
        try {
            Instant t = Instant.parse(line.substring(0, a));
            LogStream s =
                    line.substring(a + 1, b).equals("stderr") ? LogStream.STDERR : LogStream.STDOUT;
            return Optional.of(new LogLine(t, containerId, "", s, line.substring(b + 1)));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /**
     * @param file a log file
     * @return an identity of the file that survives a rename (its inode), null if it is absent
     */
    static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }
}
