package ai.hanzo.node.shell.internal;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.compute.LogQuery;
import ai.hanzo.node.api.compute.Orchestrator;
import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.StreamSink;
import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

/** {@code hanzo:logs}: a deployment's logs, each line prefixed with its service; Ctrl-C ends -f. */
@Service
@Command(
        scope = "hanzo",
        name = "logs",
        description = "Show a deployment's logs (-f follows until Ctrl-C)")
public final class LogsCommand extends NodeAction {
    @Reference Orchestrator orchestrator;

    @Option(name = "-f", aliases = "--follow", description = "Keep printing new lines")
    boolean follow;

    @Option(name = "-n", aliases = "--tail", description = "Only the last N lines (0: all)")
    int tail;

    @Option(name = "-t", aliases = "--timestamps", description = "Show each line's time")
    boolean timestamps;

    @Argument(index = 0, name = "deployment", required = true, description = "The deployment id")
    String deployment;

    @Argument(index = 1, name = "service", description = "Only this service's lines")
    String service;

    @Override
    Object run() throws Exception {
        if (tail < 0) {
            throw new IllegalArgumentException("--tail must be 0 (all) or more, not " + tail);
        }
        PrintStream out = session.getConsole();
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        LogQuery query =
                new LogQuery(
                        deployment, service == null ? "" : service, tail, follow, Optional.empty());
        Subscription subscription =
                orchestrator.logs(
                        query,
                        new StreamSink<>() {
                            @Override
                            public void next(LogLine line) {
                                out.println(
                                        (timestamps ? line.timestamp() + " " : "")
                                                + (line.service() == null
                                                        ? ""
                                                        : line.service() + " | ")
                                                + line.message());
                                out.flush();
                            }

                            @Override
                            public void complete() {
                                done.countDown();
                            }

                            @Override
                            public void error(Throwable e) {
                                failure.set(e);
                                done.countDown();
                            }
                        });
        try {
            // Ctrl-C interrupts this thread
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            subscription.close();
        }
        if (failure.get() != null) {
            throw new IllegalStateException(failure.get().getMessage(), failure.get());
        }
        return null;
    }
}
