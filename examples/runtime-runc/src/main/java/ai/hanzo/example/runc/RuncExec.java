package ai.hanzo.example.runc;

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
 * A {@code runc exec} child process: the caller writes its standard input, two tasks on the node's
 * scheduler read its output into the sink, and the sink completes once both outputs ended and the
 * exit code (runc exec's own, which is the command's) is known.
 */
final class RuncExec implements ExecSession {
    private final Process process;
    private final StreamSink<ExecOutput> sink;
    private final boolean stdinAttached;
    private final CompletableFuture<Integer> exitCode = new CompletableFuture<>();
    private final AtomicInteger openOutputs = new AtomicInteger(2);
    private final Object sinkLock = new Object();
    private volatile boolean closed;
    private volatile boolean stdinClosed;
    private volatile Throwable failure;

    RuncExec(Process process, StreamSink<ExecOutput> sink, boolean stdinAttached) {
        this.process = process;
        this.sink = sink;
        this.stdinAttached = stdinAttached;
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
        process.onExit().thenAccept(this::ended);
    }

    private void ended(Process p) {
        Throwable f = failure;
        if (f != null && !closed) {
            NodeException e = new NodeException(ErrorCode.INTERNAL, "exec output broke: " + f, f);
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
            // the command is gone already
        }
    }

    @Override
    public void resize(int columns, int rows) {
        throw new FailedPreconditionException(
                "this exec has no terminal (the runc example runs exec without a tty)");
    }

    @Override
    public CompletionStage<Integer> exitCode() {
        return exitCode;
    }

    @Override
    public void close() {
        // not under sinkLock: a consumer blocked in next() must not hold up its own close
        closed = true;
        process.destroyForcibly();
    }
}
