package ai.hanzo.node.itests;

import static org.awaitility.Awaitility.await;

import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The unpacked distribution, and {@code bin/hanzo-node} runs of it, as an operator would start
 * them.
 */
final class NodeProcess implements AutoCloseable {
    private final Process process;
    private final Path output;
    private final String grpcAddress;
    private ManagedChannel channel;

    private NodeProcess(Process process, Path output, String grpcAddress) {
        this.process = process;
        this.output = output;
        this.grpcAddress = grpcAddress;
    }

    /**
     * @param name a folder name for this test's copy of the distribution
     * @return the unpacked distribution's home
     */
    static Path unpack(String name) throws IOException, InterruptedException {
        Path target = Path.of(System.getProperty("hanzo.test.work")).resolve(name);
        if (Files.exists(target)) {
            run(List.of("rm", "-rf", target.toString()), Map.of());
        }
        Files.createDirectories(target);
        Result untar =
                run(
                        List.of(
                                "tar",
                                "xzf",
                                System.getProperty("hanzo.distribution.archive"),
                                "-C",
                                target.toString(),
                                "--strip-components=1"),
                        Map.of());
        if (untar.exitCode() != 0) {
            throw new IOException("cannot unpack the distribution: " + untar.output());
        }
        return target;
    }

    /** A finished command: its exit code and everything it printed. */
    record Result(int exitCode, String output) {}

    /** Runs a command to its end (at most a minute), with extra environment variables. */
    static Result run(List<String> command, Map<String, String> env)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // the node's class-data archive is NodeClassDataIT's subject; elsewhere the first stop of
        // each unpacked copy would write it (seconds, tens of seconds under load) and the stop
        // times these tests check would depend on the machine's load
        builder.environment().put("HANZO_NODE_CDS", "false");
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] printed = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(command + " did not finish within 60 s");
        }
        return new Result(process.exitValue(), new String(printed, StandardCharsets.UTF_8));
    }

    /**
     * Starts the node in the background with its gRPC server on a free loopback port.
     *
     * @param home the unpacked distribution
     * @param extraArgs flags beyond --grpc-addr, --http-addr and --p2p-addr
     */
    static NodeProcess start(Path home, List<String> extraArgs) throws IOException {
        return start(home, extraArgs, Map.of());
    }

    /**
     * Starts the node in the background with its gRPC server on a free loopback port.
     *
     * @param home the unpacked distribution
     * @param extraArgs flags beyond --grpc-addr, --http-addr and --p2p-addr
     * @param env environment variables for {@code bin/hanzo-node} beyond the test JVM's (the
     *     class-data archive is off unless {@code HANZO_NODE_CDS} is given)
     */
    static NodeProcess start(Path home, List<String> extraArgs, Map<String, String> env)
            throws IOException {
        String grpc = "127.0.0.1:" + freePort();
        List<String> command =
                new ArrayList<>(
                        List.of(
                                home.resolve("bin/hanzo-node").toString(),
                                "--grpc-addr",
                                grpc,
                                "--http-addr",
                                "127.0.0.1:" + freePort(),
                                "--p2p-addr",
                                "/ip4/127.0.0.1/tcp/" + freePort(),
                                // tests never multicast: mDNS would send to 224.0.0.251
                                "--mdns=false"));
        command.addAll(extraArgs);
        Path output = Files.createTempFile(home, "node-", ".out");
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .directory(home.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile());
        // the node's class-data archive is NodeClassDataIT's subject; elsewhere the first stop of
        // each unpacked copy would write it (seconds, tens of seconds under load) and the stop
        // times these tests check would depend on the machine's load
        builder.environment().put("HANZO_NODE_CDS", "false");
        builder.environment().putAll(env);
        Process process = builder.start();
        return new NodeProcess(process, output, grpc);
    }

    /** Waits until grpc.health.v1 says SERVING; fails with the node's output if it does not. */
    NodeProcess awaitServing(Duration timeout) {
        try {
            await().atMost(timeout)
                    .pollInterval(Duration.ofMillis(100))
                    .failFast("node exited before serving", () -> !process.isAlive())
                    .until(this::serving);
        } catch (org.awaitility.core.ConditionTimeoutException
                | org.awaitility.core.TerminalFailureException e) {
            throw new AssertionError(e.getMessage() + "; node output:\n" + output(), e);
        }
        return this;
    }

    private boolean serving() {
        try {
            return HealthGrpc.newBlockingStub(channel())
                            .withDeadlineAfter(2, TimeUnit.SECONDS)
                            .check(HealthCheckRequest.getDefaultInstance())
                            .getStatus()
                    == HealthCheckResponse.ServingStatus.SERVING;
        } catch (io.grpc.StatusRuntimeException e) {
            return false;
        }
    }

    /**
     * @return the node's gRPC address, host:port on loopback
     */
    String grpcAddress() {
        return grpcAddress;
    }

    ManagedChannel channel() {
        if (channel == null) {
            channel = NettyChannelBuilder.forTarget(grpcAddress).usePlaintext().build();
        }
        return channel;
    }

    NodeServiceGrpc.NodeServiceBlockingStub nodeService() {
        return NodeServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    /** Sends SIGTERM (what Process.destroy does on Unix) and returns the exit code. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(
                    "node did not exit within " + timeout + " of SIGTERM:\n" + output());
        }
        return process.exitValue();
    }

    Process process() {
        return process;
    }

    String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read node output: " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            if (channel != null) {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
