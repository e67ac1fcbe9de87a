package ai.hanzo.node.runtime.docker.internal;

import ai.hanzo.node.api.ErrorCode;
import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.runtime.ExecOutput;
import ai.hanzo.node.api.runtime.ExecSession;
import ai.hanzo.node.api.runtime.LogStream;
import ai.hanzo.node.api.runtime.StreamSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exec'd command, started over a connection of its own that the engine hijacks for the
 * command's standard streams (what {@code docker exec -i} does).
 *
 * <p>docker-java's transports cannot close only the sending half of a hijacked connection, so a
 * command such as {@code cat} never sees the end of its input. Here the connection is a plain
 * socket channel: {@link #closeStdin()} shuts down its output, the engine closes the command's
 * stdin, and output keeps flowing until the command ends. The exit code is asked for only after the
 * output ended, since the engine knows it only then.
 */
final class HijackedExec implements ExecSession {
    private final Logger logger = LoggerFactory.getLogger(HijackedExec.class);
    private final String execId;
    private final boolean stdinAttached;
    private final boolean tty;
    private final SocketChannel channel;
    private final StreamSink<ExecOutput> output;
    private final IntSupplier exitCodeAfterEnd;
    private final Consumer<String> kill;
    private final Consumer<int[]> resizer;
    private final CompletableFuture<Integer> exitCode = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean stdinClosed = new AtomicBoolean();
    private final Object writeLock = new Object();

    private HijackedExec(
            String execId,
            boolean stdinAttached,
            boolean tty,
            SocketChannel channel,
            StreamSink<ExecOutput> output,
            IntSupplier exitCodeAfterEnd,
            Consumer<String> kill,
            Consumer<int[]> resizer) {
        this.execId = execId;
        this.stdinAttached = stdinAttached;
        this.tty = tty;
        this.channel = channel;
        this.output = output;
        this.exitCodeAfterEnd = exitCodeAfterEnd;
        this.kill = kill;
        this.resizer = resizer;
    }

    /**
     * Starts a created exec and begins reading its output on {@code reader}.
     *
     * @param host the engine's address
     * @param connectTimeout how long to wait for the connection
     * @param execId the exec made by the engine's exec-create call
     * @param stdinAttached whether the caller writes stdin
     * @param tty whether the exec has a terminal (output not multiplexed)
     * @param output receives the output, then the end
     * @param exitCodeAfterEnd asks the engine for the exit code once the output ended
     * @param kill kills the command (given the exec id) when the session is closed early
     * @param resizer resizes the terminal ({columns, rows})
     * @param reader where the output is read
     * @return the running session
     */
    static HijackedExec start(
            URI host,
            Duration connectTimeout,
            String execId,
            boolean stdinAttached,
            boolean tty,
            StreamSink<ExecOutput> output,
            IntSupplier exitCodeAfterEnd,
            Consumer<String> kill,
            Consumer<int[]> resizer,
            Executor reader) {
        SocketChannel channel = null;
        try {
            channel = connect(host, connectTimeout);
            byte[] body =
                    ("{\"Detach\":false,\"Tty\":" + tty + "}").getBytes(StandardCharsets.US_ASCII);
            String head =
                    "POST "
                            + (host.getScheme().equals("tcp") ? stripSlash(host.getRawPath()) : "")
                            + "/exec/"
                            + execId
                            + "/start HTTP/1.1\r\n"
                            + "Host: docker\r\n"
                            + "Content-Type: application/json\r\n"
                            + "Connection: Upgrade\r\n"
                            + "Upgrade: tcp\r\n"
                            + "Content-Length: "
                            + body.length
                            + "\r\n\r\n";
            writeFully(channel, ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
            writeFully(channel, ByteBuffer.wrap(body));
            ByteBuffer rest = readResponseHead(channel, execId);
            HijackedExec session =
                    new HijackedExec(
                            execId,
                            stdinAttached,
                            tty,
                            channel,
                            output,
                            exitCodeAfterEnd,
                            kill,
                            resizer);
            if (!stdinAttached) {
                session.closeStdin();
            }
            reader.execute(() -> session.pump(rest));
            return session;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new NodeException(
                    ErrorCode.UNAVAILABLE,
                    "exec " + execId + ": the docker engine cannot be reached: " + e.getMessage(),
                    e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static String stripSlash(String path) {
        if (path == null) {
            return "";
        }
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    static SocketChannel connect(URI host, Duration timeout) throws IOException {
        if (host.getScheme().equals("unix")) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(host.getPath()));
            } catch (IOException e) {
                ch.close();
                throw new IOException(host.getPath() + ": " + e.getMessage(), e);
            }
            return ch;
        }
        SocketChannel ch = SocketChannel.open();
        try {
            ch.socket()
                    .connect(
                            new InetSocketAddress(host.getHost(), host.getPort()),
                            (int) timeout.toMillis());
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return ch;
    }

    /** Reads the response head; returns the bytes after it (the start of the raw stream). */
    private static ByteBuffer readResponseHead(SocketChannel ch, String execId) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        int end;
        while ((end = headEnd(buf)) < 0) {
            if (!buf.hasRemaining() || ch.read(buf) < 0) {
                throw new IOException("the engine closed the exec connection before answering");
            }
        }
        String head = new String(buf.array(), 0, end, StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r\n");
        String[] status = lines[0].split(" ", 3);
        int code = status.length > 1 ? Integer.parseInt(status[1]) : 0;
        ByteBuffer rest = ByteBuffer.wrap(Arrays.copyOfRange(buf.array(), end + 4, buf.position()));
        if (code == 101 || code == 200) {
            return rest;
        }
        // an error answer: a small JSON body with the engine's message
        long length = 0;
        for (String line : lines) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(line.substring(15).trim());
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(rest.array(), 0, rest.remaining());
        ByteBuffer more = ByteBuffer.allocate(4096);
        while (body.size() < length && length < 65536 && ch.read(more) > 0) {
            body.write(more.array(), 0, more.position());
            more.clear();
        }
        String message =
                EngineErrors.engineMessage(
                        new IOException(body.toString(StandardCharsets.UTF_8).trim()));
        ErrorCode kind =
                switch (code) {
                    case 404 -> ErrorCode.NOT_FOUND;
                    case 409 -> ErrorCode.FAILED_PRECONDITION;
                    case 400 -> ErrorCode.INVALID_ARGUMENT;
                    default -> ErrorCode.INTERNAL;
                };
        throw new NodeException(kind, "exec " + execId + ": the engine says " + message);
    }

    private static int headEnd(ByteBuffer buf) {
        byte[] a = buf.array();
        for (int i = 3; i < buf.position(); i++) {
            if (a[i - 3] == '\r' && a[i - 2] == '\n' && a[i - 1] == '\r' && a[i] == '\n') {
                return i - 3;
            }
        }
        return -1;
    }

    /** Reads the output until the command's end, then learns its exit code. */
    private void pump(ByteBuffer start) {
        try {
            if (tty) {
                pumpRaw(start);
            } else {
                pumpFrames(start);
            }
        } catch (IOException e) {
            if (!closed.get()) {
                endWith(
                        new NodeException(
                                ErrorCode.UNAVAILABLE,
                                "exec " + execId + ": the output stream broke: " + e.getMessage(),
                                e));
            }
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            endWith(e);
            return;
        } catch (RuntimeException e) {
            endWith(e);
            return;
        }
        if (closed.get()) {
            return;
        }
        try {
            int code = exitCodeAfterEnd.getAsInt();
            exitCode.complete(code);
        } catch (RuntimeException e) {
            endWith(e);
            return;
        }
        closeQuietly(channel);
        if (!closed.get()) {
            output.complete();
        }
    }

    private void endWith(Throwable failure) {
        closeQuietly(channel);
        exitCode.completeExceptionally(failure);
        if (!closed.get()) {
            output.error(failure);
        }
    }

    private void pumpRaw(ByteBuffer start) throws IOException, InterruptedException {
        if (start.hasRemaining()) {
            deliver(LogStream.STDOUT, Arrays.copyOfRange(start.array(), 0, start.remaining()));
        }
        ByteBuffer buf = ByteBuffer.allocate(32 * 1024);
        while (!closed.get()) {
            buf.clear();
            int n = channel.read(buf);
            if (n < 0) {
                return;
            }
            if (n > 0) {
                deliver(LogStream.STDOUT, Arrays.copyOf(buf.array(), n));
            }
        }
    }

    private void pumpFrames(ByteBuffer start) throws IOException, InterruptedException {
        ByteBuffer header = ByteBuffer.allocate(8);
        ByteBuffer pending = start;
        while (!closed.get()) {
            header.clear();
            if (!fill(header, pending)) {
                return;
            }
            int kind = header.get(0);
            int size = header.getInt(4);
            ByteBuffer payload = ByteBuffer.allocate(size);
            if (!fill(payload, pending)) {
                return;
            }
            // 1 is stdout, 2 stderr; 0 (stdin echo) does not occur without a terminal
            deliver(kind == 2 ? LogStream.STDERR : LogStream.STDOUT, payload.array());
        }
    }

    /** Fills {@code into} from what was already read, then from the channel; false at EOF. */
    private boolean fill(ByteBuffer into, ByteBuffer pending) throws IOException {
        while (into.hasRemaining() && pending.hasRemaining()) {
            into.put(pending.get());
        }
        while (into.hasRemaining()) {
            if (channel.read(into) < 0) {
                return false;
            }
        }
        return true;
    }

    private void deliver(LogStream stream, byte[] data) throws InterruptedException {
        if (data.length > 0 && !closed.get()) {
            output.next(new ExecOutput(stream, data));
        }
    }

    @Override
    public void writeStdin(byte[] bytes) {
        if (!stdinAttached) {
            throw new FailedPreconditionException(
                    "exec " + execId + " was started without stdin (ExecSpec.attachStdin)");
        }
        if (stdinClosed.get() || closed.get() || exitCode.isDone()) {
            throw new FailedPreconditionException(
                    "exec " + execId + ": stdin is closed or the command has ended");
        }
        synchronized (writeLock) {
            try {
                writeFully(channel, ByteBuffer.wrap(bytes));
            } catch (IOException e) {
                throw new FailedPreconditionException(
                        "exec "
                                + execId
                                + ": the command no longer reads stdin: "
                                + e.getMessage());
            }
        }
    }

    @Override
    public void closeStdin() {
        if (stdinClosed.compareAndSet(false, true)) {
            synchronized (writeLock) {
                try {
                    channel.shutdownOutput();
                } catch (IOException e) {
                    logger.debug("exec {}: shutting down stdin: {}", execId, e.toString());
                }
            }
        }
    }

    @Override
    public void resize(int columns, int rows) {
        if (!tty) {
            throw new FailedPreconditionException("exec " + execId + " has no terminal");
        }
        resizer.accept(new int[] {columns, rows});
    }

    @Override
    public CompletionStage<Integer> exitCode() {
        return exitCode.copy();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            if (!exitCode.isDone()) {
                kill.accept(execId);
            }
            closeQuietly(channel);
            exitCode.completeExceptionally(
                    new FailedPreconditionException(
                            "exec " + execId + " was closed before the command ended"));
        }
    }

    private static void writeFully(SocketChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                // nothing left to release
            }
        }
    }
}
