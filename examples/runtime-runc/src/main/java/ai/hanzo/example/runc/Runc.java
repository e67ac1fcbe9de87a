package ai.hanzo.example.runc;

import ai.hanzo.node.api.ErrorCode;
import ai.hanzo.node.api.NodeException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the runc binary with this runtime's own state root. */
final class Runc {
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    private final String binary;
    private final Path root;

    /**
     * @param binary the runc executable (a path, or a name on the PATH)
     * @param root runc's state directory ({@code --root}), private to this runtime
     */
    Runc(String binary, Path root) {
        this.binary = binary;
        this.root = root;
    }

    /** What a finished runc command printed, and its exit code. */
    record Result(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    /**
     * @return the command line of a runc call with the state root
     */
    List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(binary, "--root", root.toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** Runs a short runc command to its end. */
    Result run(String... args) {
        return run(command(args));
    }

    Result run(List<String> command) {
        try {
            File err = File.createTempFile("runc-", ".err");
            try {
                Process p =
                        new ProcessBuilder(command)
                                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                                .redirectError(err)
                                .start();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new NodeException(
                            ErrorCode.DEADLINE_EXCEEDED,
                            "runc " + command.subList(3, command.size()) + " did not finish");
                }
                return new Result(
                        p.exitValue(),
                        new String(out, StandardCharsets.UTF_8),
                        java.nio.file.Files.readString(err.toPath(), StandardCharsets.UTF_8)
                                .strip());
            } finally {
                java.nio.file.Files.deleteIfExists(err.toPath());
            }
        } catch (IOException e) {
            throw new NodeException(ErrorCode.UNAVAILABLE, "cannot run " + binary + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeException(ErrorCode.UNAVAILABLE, "interrupted while running runc", e);
        }
    }

    /**
     * @return runc's version line, or why runc cannot run
     */
    Result version() {
        return run(List.of(binary, "--version"));
    }

    /** runc's error messages are logrus lines: keep their msg text only. */
    static String message(String stderr) {
        int msg = stderr.lastIndexOf("msg=\"");
        if (msg < 0) {
            return stderr;
        }
        int end = stderr.indexOf('"', msg + 5);
        while (end > 0 && stderr.charAt(end - 1) == '\\') {
            end = stderr.indexOf('"', end + 1);
        }
        return end < 0 ? stderr.substring(msg + 5) : stderr.substring(msg + 5, end);
    }
}
