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
            StringBuilder lines = new StringBuilder();
            String stamp = null;
            while (src.offset < size) {
                buf.clear();
                int n = in.read(buf, src.offset);
                if (n <= 0) {
                    break;
                }
                src.offset += n;
                byte[] a = buf.array();
                for (int i = 0; i < n; i++) {
                    byte b = a[i];
                    if (b == '\n' || src.partial.size() >= MAX_LINE) {
                        if (stamp == null) {
                            stamp = clock.instant().toString();
                        }
                        appendLine(lines, stamp, src);
                        if (b != '\n') {
                            src.partial.write(b);
                        }
                    } else {
                        src.partial.write(b);
                    }
                }
            }
            if (flush && src.partial.size() > 0) {
                appendLine(lines, stamp != null ? stamp : clock.instant().toString(), src);
            }
            if (lines.length() > 0) {
                writer().write(ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8)));
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

    private static void appendLine(StringBuilder lines, String stamp, RawSource src) {
        String text = src.partial.toString(StandardCharsets.UTF_8);
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        src.partial.reset();
        lines.append(stamp)
                .append(' ')
                .append(src.stream.wireName())
                .append(' ')
                .append(text)
                .append('\n');
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
        Files.deleteIfExists(dir.resolve(FILE + "." + maxFiles));
        for (int i = maxFiles - 1; i >= 1; i--) {
            Path f = dir.resolve(FILE + "." + i);
            if (Files.exists(f)) {
                Files.move(f, dir.resolve(FILE + "." + (i + 1)), StandardCopyOption.ATOMIC_MOVE);
            }
        }
        Files.move(dir.resolve(FILE), dir.resolve(FILE + ".1"), StandardCopyOption.ATOMIC_MOVE);
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

    /**
     * @return the log files, oldest first
     */
    List<Path> files() {
        List<Path> files = new ArrayList<>();
        for (int i = maxFiles; i >= 1; i--) {
            Path f = dir.resolve(FILE + "." + i);
            if (Files.exists(f)) {
                files.add(f);
            }
        }
        files.add(dir.resolve(FILE));
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
