package ai.hanzo.node.compute.internal.process;

import ai.hanzo.node.api.runtime.LimitKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Memory, CPU and process-count limits through Linux control groups: the unified v2 hierarchy where
 * it has the controllers (modern hosts), else the v1 controllers under {@code
 * /sys/fs/cgroup/<controller>/}. Each limited container gets a group {@code hanzo/<id>}; the
 * process joins it before it runs the service (see {@link ProcessRuntime}).
 */
final class Cgroups {
    private static final long CPU_PERIOD_US = 100_000;

    private final Logger logger = LoggerFactory.getLogger(Cgroups.class);
    private final Path root;
    private final boolean v2;
    private final Map<LimitKind, String> unenforceable = new EnumMap<>(LimitKind.class);

    private Cgroups(Path root) {
        this.root = root;
        Path controllers = root.resolve("cgroup.controllers");
        String v2Controllers = read(controllers);
        this.v2 = v2Controllers != null && v2Controllers.contains("memory");
        unenforceable.put(LimitKind.DEVICES, "the process runtime cannot assign devices");
        if (v2) {
            for (String c : List.of("memory", "cpu", "pids")) {
                if (!v2Controllers.contains(c)) {
                    unenforceable.put(kind(c), "cgroup v2 controller " + c + " is not available");
                }
            }
            check(root, LimitKind.MEMORY);
            check(root, LimitKind.CPU);
            check(root, LimitKind.PIDS);
        } else if (Files.isDirectory(root.resolve("memory"))) {
            check(root.resolve("memory"), LimitKind.MEMORY);
            check(root.resolve("cpu"), LimitKind.CPU);
            check(root.resolve("pids"), LimitKind.PIDS);
        } else {
            String why = "no cgroup file system with controllers at " + root;
            unenforceable.put(LimitKind.MEMORY, why);
            unenforceable.put(LimitKind.CPU, why);
            unenforceable.put(LimitKind.PIDS, why);
        }
    }

    /**
     * @param root the cgroup mount, {@code /sys/fs/cgroup}
     * @return what this host offers
     */
    static Cgroups detect(Path root) {
        return new Cgroups(root);
    }

    private static LimitKind kind(String controller) {
        return switch (controller) {
            case "memory" -> LimitKind.MEMORY;
            case "cpu" -> LimitKind.CPU;
            default -> LimitKind.PIDS;
        };
    }

    private void check(Path dir, LimitKind kind) {
        if (unenforceable.containsKey(kind)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            unenforceable.put(kind, "no cgroup controller at " + dir);
        } else if (!Files.isWritable(dir)) {
            unenforceable.put(
                    kind,
                    dir + " is not writable (the node runs without root or delegated cgroups)");
        }
    }

    /**
     * @return the kinds of limit that cannot be enforced here, with why
     */
    Map<LimitKind, String> unenforceable() {
        return Map.copyOf(unenforceable);
    }

    /**
     * @return {@code v2} or {@code v1}
     */
    String version() {
        return v2 ? "v2" : "v1";
    }

    /**
     * Creates the container's groups with its limits.
     *
     * @param id the container id
     * @param cpus CPUs, if limited
     * @param memoryBytes memory, if limited
     * @param pids processes, if limited
     * @return the {@code cgroup.procs} files the process must write its pid to; empty when no limit
     *     was asked for or none can be enforced
     * @throws IOException when a group cannot be made
     */
    List<Path> create(String id, OptionalDouble cpus, OptionalLong memoryBytes, OptionalLong pids)
            throws IOException {
        List<Path> procs = new ArrayList<>();
        if (v2) {
            if (cpus.isEmpty() && memoryBytes.isEmpty() && pids.isEmpty()) {
                return procs;
            }
            Path parent = root.resolve("hanzo");
            Files.createDirectories(parent);
            enable(root);
            enable(parent);
            Path group = Files.createDirectories(parent.resolve(id));
            if (memoryBytes.isPresent() && allowed(LimitKind.MEMORY)) {
                write(group.resolve("memory.max"), Long.toString(memoryBytes.getAsLong()));
            }
            if (cpus.isPresent() && allowed(LimitKind.CPU)) {
                write(group.resolve("cpu.max"), quota(cpus.getAsDouble()) + " " + CPU_PERIOD_US);
            }
            if (pids.isPresent() && allowed(LimitKind.PIDS)) {
                write(group.resolve("pids.max"), Long.toString(pids.getAsLong()));
            }
            procs.add(group.resolve("cgroup.procs"));
            return procs;
        }
        if (memoryBytes.isPresent() && allowed(LimitKind.MEMORY)) {
            Path group = Files.createDirectories(root.resolve("memory/hanzo").resolve(id));
            write(group.resolve("memory.limit_in_bytes"), Long.toString(memoryBytes.getAsLong()));
            procs.add(group.resolve("cgroup.procs"));
        }
        if (cpus.isPresent() && allowed(LimitKind.CPU)) {
            Path group = Files.createDirectories(root.resolve("cpu/hanzo").resolve(id));
            write(group.resolve("cpu.cfs_period_us"), Long.toString(CPU_PERIOD_US));
            write(group.resolve("cpu.cfs_quota_us"), Long.toString(quota(cpus.getAsDouble())));
            procs.add(group.resolve("cgroup.procs"));
        }
        if (pids.isPresent() && allowed(LimitKind.PIDS)) {
            Path group = Files.createDirectories(root.resolve("pids/hanzo").resolve(id));
            write(group.resolve("pids.max"), Long.toString(pids.getAsLong()));
            procs.add(group.resolve("cgroup.procs"));
        }
        return procs;
    }

    /**
     * @param id the container id
     * @return the memory in use by the container's group, if it has one
     */
    OptionalLong memoryUsage(String id) {
        String v =
                v2
                        ? read(root.resolve("hanzo").resolve(id).resolve("memory.current"))
                        : read(
                                root.resolve("memory/hanzo")
                                        .resolve(id)
                                        .resolve("memory.usage_in_bytes"));
        return v == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(v.trim()));
    }

    /**
     * Removes the container's groups; they must have no process left.
     *
     * @param id the container id
     */
    void remove(String id) {
        List<Path> groups =
                v2
                        ? List.of(root.resolve("hanzo").resolve(id))
                        : List.of(
                                root.resolve("memory/hanzo").resolve(id),
                                root.resolve("cpu/hanzo").resolve(id),
                                root.resolve("pids/hanzo").resolve(id));
        for (Path g : groups) {
            if (Files.isDirectory(g)) {
                try {
                    // a cgroup directory is removed with rmdir alone: its files are not real files
                    Files.delete(g);
                } catch (IOException e) {
                    logger.warn("Cannot remove cgroup {}: {}", g, e.toString());
                }
            }
        }
    }

    private boolean allowed(LimitKind kind) {
        return !unenforceable.containsKey(kind);
    }

    private static long quota(double cpus) {
        return Math.max(1000, Math.round(cpus * CPU_PERIOD_US));
    }

    private void enable(Path dir) throws IOException {
        StringBuilder wanted = new StringBuilder();
        for (String c : List.of("memory", "cpu", "pids")) {
            if (allowed(kind(c))) {
                wanted.append('+').append(c).append(' ');
            }
        }
        write(dir.resolve("cgroup.subtree_control"), wanted.toString().trim());
    }

    private static void write(Path file, String value) throws IOException {
        Files.write(file, value.getBytes(StandardCharsets.US_ASCII));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
