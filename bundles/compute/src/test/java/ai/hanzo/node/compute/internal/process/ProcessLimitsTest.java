package ai.hanzo.node.compute.internal.process;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.runtime.ContainerSpec;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.runtime.LimitKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory and CPU limits through the host's cgroups (v1 controllers on these machines, the unified
 * v2 tree on modern hosts), and the clear report when they cannot be enforced.
 */
class ProcessLimitsTest {
    private static final Path CGROUPS = Path.of("/sys/fs/cgroup");
    private static final Pattern PID = Pattern.compile("\\(pid (\\d+)\\)");

    @TempDir Path dir;
    private final NodeScheduler scheduler = ai.hanzo.node.compute.internal.TestSchedulers.create();
    private ProcessRuntime runtime;

    @AfterEach
    void close() {
        if (runtime != null) {
            for (ContainerStatus c : runtime.list(Map.of())) {
                runtime.remove(c.id(), true);
            }
            runtime.close();
        }
        ai.hanzo.node.compute.internal.TestSchedulers.close(scheduler);
    }

    private ProcessRuntime open(Path cgroupRoot) {
        return new ProcessRuntime(
                dir.resolve("process"),
                scheduler,
                Clock.systemUTC(),
                new ProcessRuntime.Settings(
                        Duration.ofMillis(50), Duration.ofMillis(200), 1 << 20, 2, cgroupRoot));
    }

    private static ContainerSpec spec(
            List<String> command, OptionalDouble cpus, OptionalLong memory) {
        return new ContainerSpec(
                "limited",
                "/bin/sh",
                List.of(),
                command,
                Map.of(),
                "",
                "",
                "",
                List.of(),
                List.of(),
                List.of(),
                Map.of("test", "limits"),
                cpus,
                memory,
                OptionalLong.empty(),
                List.of(),
                Optional.empty());
    }

    private static long pid(ContainerStatus c) {
        Matcher m = PID.matcher(c.status());
        assertTrue(m.find(), c.status());
        return Long.parseLong(m.group(1));
    }

    @Test
    void memoryAndCpuLimitsAreEnforcedThroughCgroups() throws Exception {
        runtime = open(CGROUPS);
        Map<LimitKind, String> missing = runtime.unenforceableLimits();
        assertFalse(
                missing.containsKey(LimitKind.MEMORY) || missing.containsKey(LimitKind.CPU),
                "this test needs writable cgroups (run as root): " + missing);
        String id =
                runtime.create(
                        spec(
                                List.of("-c", "exec sleep 1000"),
                                OptionalDouble.of(0.5),
                                OptionalLong.of(32L << 20)));
        runtime.start(id);
        long pid = pid(runtime.inspect(id));
        Path procGroups = Path.of("/proc", Long.toString(pid), "cgroup");
        // the process joins its groups first thing, before it becomes the service
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Files.readString(procGroups).contains("/hanzo/" + id));
        List<String> groups = Files.readAllLines(procGroups);
        String v1Memory =
                groups.stream().filter(l -> l.contains(":memory:")).findFirst().orElse(null);
        if (v1Memory != null && v1Memory.endsWith("/hanzo/" + id)) {
            assertEquals(
                    "33554432",
                    Files.readString(
                                    CGROUPS.resolve(
                                            "memory/hanzo/" + id + "/memory.limit_in_bytes"))
                            .trim());
            assertEquals(
                    "50000",
                    Files.readString(CGROUPS.resolve("cpu/hanzo/" + id + "/cpu.cfs_quota_us"))
                            .trim());
            assertTrue(
                    groups.stream()
                            .anyMatch(
                                    l ->
                                            l.matches("\\d+:cpu(,cpuacct)?:/hanzo/" + id)
                                                    || l.matches("\\d+:cpuacct,cpu:/hanzo/" + id)),
                    groups.toString());
        } else {
            String unified =
                    groups.stream().filter(l -> l.startsWith("0::")).findFirst().orElse(null);
            assertNotNull(unified, groups.toString());
            assertTrue(unified.endsWith("/hanzo/" + id), groups.toString());
            assertEquals(
                    "33554432",
                    Files.readString(CGROUPS.resolve("hanzo/" + id + "/memory.max")).trim());
            assertEquals(
                    "50000 100000",
                    Files.readString(CGROUPS.resolve("hanzo/" + id + "/cpu.max")).trim());
        }
        runtime.remove(id, true);
        assertFalse(
                Files.exists(CGROUPS.resolve("memory/hanzo/" + id)),
                "the group goes with the container");
    }

    @Test
    void aProcessOverItsMemoryLimitIsKilled() {
        runtime = open(CGROUPS);
        assertFalse(
                runtime.unenforceableLimits().containsKey(LimitKind.MEMORY),
                runtime.unenforceableLimits().toString());
        // holds 64 MB in a shell variable under a 16 MB limit
        String id =
                runtime.create(
                        spec(
                                List.of(
                                        "-c",
                                        "a=$(head -c 64000000 /dev/zero | tr '\\0' x); echo survived"),
                                OptionalDouble.empty(),
                                OptionalLong.of(16L << 20)));
        runtime.start(id);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> runtime.inspect(id).state() == ContainerState.EXITED);
        ContainerStatus c = runtime.inspect(id);
        assertEquals(Optional.of(137), c.exitCode(), "killed by the kernel's OOM killer: " + c);
    }

    @Test
    void withoutCgroupsTheLimitsAreReportedAsNotEnforced() {
        runtime = open(dir.resolve("no-cgroups"));
        Map<LimitKind, String> missing = runtime.unenforceableLimits();
        assertTrue(
                missing.get(LimitKind.MEMORY).contains("no cgroup file system"),
                missing.toString());
        assertTrue(missing.containsKey(LimitKind.CPU));
        assertTrue(missing.containsKey(LimitKind.DEVICES));
        // the container still runs, unlimited
        String id =
                runtime.create(
                        spec(
                                List.of("-c", "exec sleep 1000"),
                                OptionalDouble.of(1),
                                OptionalLong.of(1L << 30)));
        runtime.start(id);
        assertEquals(ContainerState.RUNNING, runtime.inspect(id).state());
    }
}
