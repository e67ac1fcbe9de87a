package ai.hanzo.node.compute.internal.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Reads {@code /proc/<pid>/stat}: a process's start time (clock ticks since boot) identifies it
 * together with its pid, so a recycled pid is never taken for the process the node started.
 */
final class ProcStat {
    private ProcStat() {}

    /**
     * @param pid a process id
     * @return the process's start time in clock ticks since boot, empty when no such process runs
     *     (or it is a zombie)
     */
    static OptionalLong startTicks(long pid) {
        String[] fields = fields(pid);
        if (fields == null || fields[0].equals("Z") || fields[0].equals("X")) {
            return OptionalLong.empty();
        }
        // after the ")" of the command: state is field 3, starttime field 22
        return OptionalLong.of(Long.parseLong(fields[22 - 3]));
    }

    /**
     * @param pid a process id
     * @return user plus system CPU time in clock ticks, or -1 when no such process runs
     */
    static long cpuTicks(long pid) {
        String[] fields = fields(pid);
        return fields == null
                ? -1
                : Long.parseLong(fields[14 - 3]) + Long.parseLong(fields[15 - 3]);
    }

    /**
     * @param pid a process id
     * @return its resident memory in bytes, 0 when unknown
     */
    static long residentBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return 0;
    }

    private static String[] fields(long pid) {
        try {
            String stat =
                    new String(
                            Files.readAllBytes(Path.of("/proc", Long.toString(pid), "stat")),
                            StandardCharsets.US_ASCII);
            // the command name may hold spaces and parentheses: the fields start after the last ")"
            return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
