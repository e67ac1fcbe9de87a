package ai.hanzo.node.cli;

import ai.hanzo.node.launcher.ClientContext;
import ai.hanzo.node.proto.v1.ExecInput;
import ai.hanzo.node.proto.v1.ExecOutput;
import ai.hanzo.node.proto.v1.NodeServiceGrpc;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hanzo-node exec [-i] [-t] CONTAINER -- CMD...}: runs a command in a container through the
 * node's bidirectional exec stream. With {@code -t} on a terminal the local terminal goes to raw
 * mode (restored on exit) and size changes are sent to the remote terminal. Exits with the
 * command's exit code.
 */
@Command(name = "exec", description = "Run a command in a container (-i stdin, -t terminal)")
final class ExecCommand extends ClientCommand {
    @Option(
            names = {"-i", "--interactive"},
            description = "Send standard input to the command")
    boolean interactive;

    @Option(
            names = {"-t", "--tty"},
            description = "Give the command a terminal")
    boolean tty;

    @Option(
            names = {"-e", "--env"},
            paramLabel = "<key=value>",
            description = "An environment variable; repeatable")
    Map<String, String> environment = new LinkedHashMap<>();

    @Option(
            names = {"-w", "--workdir"},
            paramLabel = "<dir>",
            description = "Working directory")
    String workdir = "";

    @Option(
            names = {"-u", "--user"},
            paramLabel = "<user>",
            description = "User to run as")
    String user = "";

    @Parameters(index = "0", paramLabel = "<container>", description = "The container id or name")
    String container;

    @Parameters(
            index = "1..*",
            arity = "1..*",
            paramLabel = "<command>",
            description = "The command and its arguments")
    List<String> command;

    ExecCommand(ClientContext context) {
        this.context = context;
    }

    @Override
    int run(Output output) throws Exception {
        RawTerminal raw = tty && System.console() != null ? RawTerminal.enter() : null;
        try {
            return exec(raw);
        } finally {
            if (raw != null) {
                raw.restore();
            }
        }
    }

    private int exec(RawTerminal raw) throws Exception {
        CountDownLatch finished = new CountDownLatch(1);
        AtomicInteger exitCode = new AtomicInteger(-1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        OutputStream stdout = Terminal.stdout;
        OutputStream stderr = Terminal.stderr;
        StreamObserver<ExecInput> requests =
                NodeServiceGrpc.newStub(node.channel())
                        .execInContainer(
                                new StreamObserver<>() {
                                    @Override
                                    public void onNext(ExecOutput out) {
                                        try {
                                            if (!out.getStdout().isEmpty()) {
                                                out.getStdout().writeTo(stdout);
                                                stdout.flush();
                                            }
                                            if (!out.getStderr().isEmpty()) {
                                                out.getStderr().writeTo(stderr);
                                                stderr.flush();
                                            }
                                        } catch (IOException e) {
                                            failure.compareAndSet(null, e);
                                        }
                                        if (out.getDone()) {
                                            exitCode.set(out.getExitCode());
                                        }
                                    }

                                    @Override
                                    public void onError(Throwable t) {
                                        failure.compareAndSet(null, t);
                                        finished.countDown();
                                    }

                                    @Override
                                    public void onCompleted() {
                                        finished.countDown();
                                    }
                                });
        Sender sender = new Sender(requests);
        ExecInput.Builder first =
                ExecInput.newBuilder()
                        .setContainerId(container)
                        .addAllCommand(command)
                        .setTty(tty)
                        .setAttachStdin(interactive)
                        .putAllEnvironment(environment)
                        .setWorkingDir(workdir)
                        .setUser(user);
        if (raw != null) {
            int[] size = raw.size();
            first.setTtyRows(size[0]).setTtyColumns(size[1]);
        }
        sender.send(first.build());
        if (interactive) {
            Thread pump = new Thread(() -> pumpStdin(Terminal.stdin, sender), "exec-stdin");
            pump.setDaemon(true);
            pump.start();
        }
        if (raw != null) {
            Thread resize = new Thread(() -> watchSize(raw, sender, finished), "exec-resize");
            resize.setDaemon(true);
            resize.start();
        }
        finished.await();
        sender.complete();
        Throwable error = failure.get();
        if (error instanceof StatusRuntimeException e) {
            throw node.failure(e);
        }
        if (error != null) {
            throw node.failure(Status.fromThrowable(error).asRuntimeException());
        }
        if (exitCode.get() < 0) {
            throw new CliException(ExitCode.FAILED, "the exec stream ended without an exit code");
        }
        return exitCode.get();
    }

    private static void pumpStdin(InputStream in, Sender sender) {
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (n > 0) {
                    sender.send(
                            ExecInput.newBuilder()
                                    .setStdin(ByteString.copyFrom(buffer, 0, n))
                                    .build());
                }
            }
        } catch (IOException e) {
            // stdin closed under us: tell the command its input ended
        }
        sender.send(ExecInput.newBuilder().setStdinEof(true).build());
    }

    private static void watchSize(RawTerminal raw, Sender sender, CountDownLatch finished) {
        int[] last = raw.size();
        try {
            // polling stty avoids the JDK-internal SIGWINCH handler; a second is quick enough
            while (!finished.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
                int[] now = raw.size();
                if (now[0] != last[0] || now[1] != last[1]) {
                    sender.send(
                            ExecInput.newBuilder()
                                    .setTtyRows(now[0])
                                    .setTtyColumns(now[1])
                                    .build());
                    last = now;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Serialises sends: stdin, resizes and completion come from different threads. */
    private static final class Sender {
        private final StreamObserver<ExecInput> requests;
        private boolean completed;

        Sender(StreamObserver<ExecInput> requests) {
            this.requests = requests;
        }

        synchronized void send(ExecInput input) {
            if (!completed) {
                requests.onNext(input);
            }
        }

        synchronized void complete() {
            if (!completed) {
                completed = true;
                requests.onCompleted();
            }
        }
    }

    /** The controlling terminal in raw mode, through {@code stty}. */
    static final class RawTerminal {
        private final String saved;

        private RawTerminal(String saved) {
            this.saved = saved;
        }

        static RawTerminal enter() throws IOException, InterruptedException {
            String saved = stty("-g").trim();
            stty("raw", "-echo");
            return new RawTerminal(saved);
        }

        int[] size() {
            try {
                String[] parts = stty("size").trim().split("\\s+");
                return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
            } catch (IOException | RuntimeException e) {
                return new int[] {24, 80};
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new int[] {24, 80};
            }
        }

        void restore() throws IOException, InterruptedException {
            stty(saved);
        }

        private static String stty(String... args) throws IOException, InterruptedException {
            List<String> command = new java.util.ArrayList<>(List.of("stty"));
            command.addAll(List.of(args));
            Process process =
                    new ProcessBuilder(command)
                            .redirectInput(new java.io.File("/dev/tty"))
                            .redirectErrorStream(true)
                            .start();
            String text =
                    new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IOException("stty " + String.join(" ", args) + " failed: " + text.trim());
            }
            return text;
        }
    }
}
