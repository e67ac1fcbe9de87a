package ai.hanzo.example.runc;

import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.LogStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One container's log. runc hands the container the files {@code stdout.raw} and {@code stderr.raw}
 * (opened for append), so the container never depends on the node to drain a pipe and outlives it;
 * {@link #collect} moves what is new into {@code container.log}, a line per output line as {@code
 * <instant> <O|E> <text>}, stamped when collected. How far each raw file was collected is kept in
 * {@code offsets}, so a reinstalled plugin carries on where the last left off.
 */
final class ContainerLogs {
    private static final int MAX_LINE = 64 * 1024;

    private final Path dir;
    private final String containerId;
    private final Source stdout;
    private final Source stderr;

    private static final class Source {
        final Path file;
        final char tag;
        long offset;
        final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        Source(Path file, char tag) {
            this.file = file;
            this.tag = tag;
        }
    }

    ContainerLogs(Path dir, String containerId) {
        this.dir = dir;
        this.containerId = containerId;
        this.stdout = new Source(dir.resolve("stdout.raw"), 'O');
        this.stderr = new Source(dir.resolve("stderr.raw"), 'E');
        try {
            String[] offsets = Files.readString(dir.resolve("offsets")).strip().split(" ");
            stdout.offset = Long.parseLong(offsets[0]);
            stderr.offset = Long.parseLong(offsets[1]);
        } catch (IOException | RuntimeException e) {
            // no offsets yet: nothing collected
        }
    }

    Path stdoutFile() {
        return stdout.file;
    }

    Path stderrFile() {
        return stderr.file;
    }

    /**
     * @return the size of stderr.raw now, to read what runc wrote after it
     */
    long stderrSize() {
        try {
            return Files.size(stderr.file);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * @return what stderr.raw holds after {@code from}
     */
    String stderrAfter(long from) {
        try (RandomAccessFile in = new RandomAccessFile(stderr.file.toFile(), "r")) {
            long size = in.length();
            if (size <= from) {
                return "";
            }
            in.seek(from);
            byte[] bytes = new byte[(int) Math.min(size - from, MAX_LINE)];
            in.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Moves what the container wrote since the last call into container.log.
     *
     * @param flush also write an unterminated last line (the container has exited)
     */
    synchronized void collect(boolean flush) throws IOException {
        StringBuilder lines = new StringBuilder();
        Instant now = Instant.now();
        for (Source source : List.of(stdout, stderr)) {
            read(source, now, lines, flush);
        }
        if (lines.length() > 0) {
            Files.writeString(
                    dir.resolve("container.log"),
                    lines,
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            Files.writeString(dir.resolve("offsets"), stdout.offset + " " + stderr.offset);
        }
    }

    private static void read(Source source, Instant now, StringBuilder lines, boolean flush)
            throws IOException {
        try (RandomAccessFile in = new RandomAccessFile(source.file.toFile(), "r")) {
            long size = in.length();
            if (size > source.offset) {
                in.seek(source.offset);
                byte[] bytes = new byte[(int) Math.min(size - source.offset, 1 << 20)];
                in.readFully(bytes);
                source.offset += bytes.length;
                for (byte b : bytes) {
                    if (b == '\n' || source.partial.size() >= MAX_LINE) {
                        line(source, now, lines);
                        if (b == '\n') {
                            continue;
                        }
                    }
                    source.partial.write(b);
                }
            }
        } catch (java.io.FileNotFoundException e) {
            return;
        }
        if (flush && source.partial.size() > 0) {
            line(source, now, lines);
        }
    }

    private static void line(Source source, Instant now, StringBuilder lines) {
        lines.append(now)
                .append(' ')
                .append(source.tag)
                .append(' ')
                .append(source.partial.toString(StandardCharsets.UTF_8))
                .append('\n');
        source.partial.reset();
    }

    /**
     * Reads container.log lines from a byte position.
     *
     * @param from where to start
     * @param lines receives the complete lines read
     * @return the position after the last complete line
     */
    long read(long from, List<LogLine> lines) throws IOException {
        byte[] bytes;
        try (RandomAccessFile in =
                new RandomAccessFile(dir.resolve("container.log").toFile(), "r")) {
            long size = in.length();
            if (size <= from) {
                return from;
            }
            in.seek(from);
            bytes = new byte[(int) Math.min(size - from, 4 << 20)];
            in.readFully(bytes);
        } catch (java.io.FileNotFoundException | NoSuchFileException e) {
            return from;
        }
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                parse(new String(bytes, start, i - start, StandardCharsets.UTF_8))
                        .ifPresent(lines::add);
                start = i + 1;
            }
        }
        return from + start;
    }

    private Optional<LogLine> parse(String line) {
        int first = line.indexOf(' ');
        if (first < 0 || line.length() < first + 3) {
            return Optional.empty();
        }
        try {
            Instant at = Instant.parse(line.substring(0, first));
            LogStream stream = line.charAt(first + 1) == 'E' ? LogStream.STDERR : LogStream.STDOUT;
            String text = line.length() > first + 3 ? line.substring(first + 3) : "";
            return Optional.of(new LogLine(at, containerId, "", stream, text));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** All collected lines (for tail and since, which need the whole log). */
    List<LogLine> all() throws IOException {
        List<LogLine> lines = new ArrayList<>();
        long pos = 0;
        while (true) {
            long next = read(pos, lines);
            if (next == pos) {
                return lines;
            }
            pos = next;
        }
    }

    long size() {
        try {
            return Files.size(dir.resolve("container.log"));
        } catch (IOException e) {
            return 0;
        }
    }
}
