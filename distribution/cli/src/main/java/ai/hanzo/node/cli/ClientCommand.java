package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.InferenceServiceGrpc;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that talks to a running node. Subclasses do their work in {@link #run}; this class
 * opens the connection, and turns failures into one line on stderr and the documented exit code.
 */
abstract class ClientCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection = new ConnectionOptions();
    @Mixin OutputOptions outputOptions = new OutputOptions();

    ClientContext context;
    NodeConnection node;

    /** The work of the command. */
    abstract int run(Output output) throws Exception;

    /**
     * @return whether the command needs the node; commands that only read local input say no
     */
    boolean needsNode() {
        return true;
    }

    @Override
    public final Integer call() throws Exception {
        // gRPC and protobuf classes only after the head start has initialised its share of them
        ChannelWarmUp.await();
        PrintWriter err = spec.commandLine().getErr();
        try {
            OutputOptions.Format format = outputOptions.format(null);
            Output output =
                    new Output(
                            spec.commandLine().getOut(),
                            format,
                            !outputOptions.noColor && Terminal.colours(context.env()));
            if (!needsNode()) {
                return run(output);
            }
            try (NodeConnection opened = NodeConnection.open(connection, context)) {
                node = opened;
                return run(output);
            } catch (StatusRuntimeException e) {
                throw node.failure(e);
            }
        } catch (CliException e) {
            err.println(commandPath() + ": " + e.getMessage());
            err.flush();
            return e.exitCode();
        }
    }

    // "hanzo-node operator register", not "hanzo-node register", for a nested command
    private String commandPath() {
        Deque<String> names = new ArrayDeque<>();
        for (CommandSpec each = spec;
                each != null && !each.name().equals("hanzo-node");
                each = each.parent()) {
            names.addFirst(each.name());
        }
        return "hanzo-node " + String.join(" ", names);
    }

    NodeServiceGrpc.NodeServiceBlockingStub blocking() {
        return NodeServiceGrpc.newBlockingStub(node.channel())
                .withDeadlineAfter(node.timeoutSeconds(), TimeUnit.SECONDS);
    }

    /** A stub for streams, which run as long as the operator wants them to. */
    NodeServiceGrpc.NodeServiceBlockingStub streaming() {
        return NodeServiceGrpc.newBlockingStub(node.channel());
    }

    InferenceServiceGrpc.InferenceServiceBlockingStub inference() {
        return InferenceServiceGrpc.newBlockingStub(node.channel())
                .withDeadlineAfter(node.timeoutSeconds(), TimeUnit.SECONDS);
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /**
     * @param seconds a unix time in seconds, 0 for never
     * @return how long ago, as docker says it ("5 minutes ago")
     */
    static String ago(long seconds) {
        if (seconds <= 0) {
            return "-";
        }
        Duration age = Duration.between(Instant.ofEpochSecond(seconds), Instant.now());
        return span(age) + " ago";
    }

    /**
     * @param duration a length of time
     * @return it in the largest fitting unit ("3 hours")
     */
    static String span(Duration duration) {
        long s = Math.max(0, duration.getSeconds());
        if (s < 60) {
            return s + (s == 1 ? " second" : " seconds");
        }
        if (s < 3600) {
            return plural(s / 60, "minute");
        }
        if (s < 86400) {
            return plural(s / 3600, "hour");
        }
        return plural(s / 86400, "day");
    }

    private static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }
}
