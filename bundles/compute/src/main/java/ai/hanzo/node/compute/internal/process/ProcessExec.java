package ai.hanzo.node.compute.internal.process;

import ai.hanzo.node.api.ErrorCode;
import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.runtime.ExecOutput;
import ai.hanzo.node.api.runtime.ExecSession;
import ai.hanzo.node.api.runtime.LogStream;
import ai.hanzo.node.api.runtime.StreamSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A command run next to a container's process (same working directory, same environment): its
 * standard input is written by the caller, its output read by two worker tasks and handed to the
 * sink one chunk at a time, and the sink completed once both outputs ended and the exit code is
 * known.
 */
final class ProcessExec implements ExecSession {
    private final Process process;
    private final StreamSink<ExecOutput> sink;
    private final boolean stdinAttached;
    private final CompletableFuture<Integer> exitCode = new CompletableFuture<>();
    private final AtomicInteger openOutputs = new AtomicInteger(2);
    private final Object sinkLock = new Object();
    private volatile boolean closed;
    private volatile boolean stdinClosed;
    private final Resizer terminal;
    private volatile Throwable failure;

    /** Sets the size of the terminal an exec runs on. */
    @FunctionalInterface
    interface Resizer {
        void resize(Process process, int columns, int rows);
    }

    /**
     * @param process the command (or, with a terminal, the program that runs it on the terminal)
     * @param sink where its output goes
     * @param stdinAttached whether the caller writes its standard input
     * @param terminal resizes its terminal; null when it runs without one
     */
    ProcessExec(
            Process process, StreamSink<ExecOutput> sink, boolean stdinAttached, Resizer terminal) {
        this.process = process;
        this.sink = sink;
        this.stdinAttached = stdinAttached;
        this.terminal = terminal;
    }

    void start(NodeScheduler scheduler, String name) {
        if (!stdinAttached) {
            closeStdin();
        }
        pump(scheduler, name + " stdout", process.getInputStream(), LogStream.STDOUT);
        pump(scheduler, name + " stderr", process.getErrorStream(), LogStream.STDERR);
    }

    private void pump(NodeScheduler scheduler, String name, InputStream in, LogStream stream) {
        scheduler
                .submit(
                        name,
                        () -> {
                            byte[] buf = new byte[8192];
                            try (in) {
                                int n;
                                while ((n = in.read(buf)) > 0) {
                                    synchronized (sinkLock) {
                                        if (closed) {
                                            break;
                                        }
                                        sink.next(new ExecOutput(stream, Arrays.copyOf(buf, n)));
                                    }
                                }
                            } catch (IOException | InterruptedException | RuntimeException e) {
                                if (!closed) {
                                    failure = e;
                                    process.destroyForcibly();
                                }
                            }
                            outputEnded();
                            return null;
                        })
                .exceptionally(
                        e -> {
                            failure = e;
                            process.destroyForcibly();
                            outputEnded();
                            return null;
                        });
    }

    private void outputEnded() {
        if (openOutputs.decrementAndGet() != 0) {
            return;
        }
        process.onExit()
                .thenAccept(
                        p -> {
                            Throwable f = failure;
                            if (f != null && !closed) {
                                NodeException e =
                                        new NodeException(
                                                ErrorCode.INTERNAL, "exec output broke: " + f, f);
                                exitCode.completeExceptionally(e);
                                synchronized (sinkLock) {
                                    sink.error(e);
                                }
                                return;
                            }
                            exitCode.complete(p.exitValue());
                            synchronized (sinkLock) {
                                if (!closed) {
                                    sink.complete();
                                }
                            }
                        });
    }

    @Override
    public void writeStdin(byte[] bytes) {
        if (!stdinAttached || stdinClosed) {
            throw new FailedPreconditionException(
                    stdinAttached
                            ? "standard input of this exec is closed"
                            : "this exec was started without attachStdin");
        }
        try {
            OutputStream out = process.getOutputStream();
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new FailedPreconditionException("the command no longer reads its input: " + e);
        }
    }

    @Override
    public void closeStdin() {
        stdinClosed = true;
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already gone
        }
    }

    @Override
    public void resize(int columns, int rows) {
        if (terminal == null) {
            throw new FailedPreconditionException(
                    "this exec has no terminal: start it with tty to resize it");
        }
        terminal.resize(process, columns, rows);
    }

    @Override
    public CompletionStage<Integer> exitCode() {
        return exitCode;
    }

    @Override
    public void close() {
        // not under sinkLock: a consumer blocked in next() must not hold up its own close
        closed = true;
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
