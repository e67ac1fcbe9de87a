package ai.hanzo.node.core.internal;

import ai.hanzo.node.api.node.NodeMetrics;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Measures the machine: CPU, memory, the data directory's disk and network traffic, from {@code
 * /proc} on Linux (the JVM's OperatingSystemMXBean elsewhere). CPU use and network rates are deltas
 * between two samples, so each {@link #sample} reports the interval since the previous one.
 * Instances are not thread-safe; the profile calls them under its lock.
 */
final class SystemResources {
    private final Path proc;
    private final Path dataDirectory;
    private long lastCpuBusy = -1;
    private long lastCpuTotal = -1;
    private long lastRx = -1;
    private long lastTx = -1;
    private long lastNanos;

    /**
     * @param proc the proc file system root ({@code /proc}); a directory without the files makes
     *     the JVM's own figures stand in
     * @param dataDirectory whose file system's use is the disk use
     */
    SystemResources(Path proc, Path dataDirectory) {
        this.proc = proc;
        this.dataDirectory = dataDirectory;
    }

    /** Counters read at one moment. */
    record Counters(long cpuBusy, long cpuTotal, long rxBytes, long txBytes) {}

    /**
     * @param activeContainers containers running now
     * @param nanoTime the monotonic time of this sample
     * @return usage over the interval since the previous sample (CPU from the JVM's view of the
     *     system on the first call)
     */
    NodeMetrics sample(int activeContainers, long nanoTime) {
        Counters now = readCounters();
        double cpu;
        double rxRate = 0;
        double txRate = 0;
        double seconds = (nanoTime - lastNanos) / 1e9;
        if (lastCpuTotal >= 0 && now.cpuTotal() > lastCpuTotal) {
            cpu = (double) (now.cpuBusy() - lastCpuBusy) / (now.cpuTotal() - lastCpuTotal);
        } else {
            cpu = jvmSystemCpu();
        }
        if (lastRx >= 0 && seconds > 0) {
            rxRate = Math.max(0, now.rxBytes() - lastRx) / seconds;
            txRate = Math.max(0, now.txBytes() - lastTx) / seconds;
        }
        lastCpuBusy = now.cpuBusy();
        lastCpuTotal = now.cpuTotal();
        lastRx = now.rxBytes();
        lastTx = now.txBytes();
        lastNanos = nanoTime;
        return new NodeMetrics(
                clamp(cpu),
                clamp(memoryUsage()),
                clamp(diskUsage()),
                rxRate,
                txRate,
                activeContainers);
    }

    private static double clamp(double ratio) {
        return Double.isNaN(ratio) ? 0 : Math.max(0, Math.min(1, ratio));
    }

    Counters readCounters() {
        long busy = 0;
        long total = 0;
        List<String> stat = lines("stat");
        if (!stat.isEmpty() && stat.get(0).startsWith("cpu ")) {
            String[] f = stat.get(0).trim().split("\\s+");
            // user nice system idle iowait irq softirq steal (guest is already in user)
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                long v = Long.parseLong(f[i]);
                total += v;
                if (i != 4 && i != 5) {
                    busy += v;
                }
            }
        }
        long rx = 0;
        long tx = 0;
        for (String line : lines("net/dev")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            if (name.equals("lo")) {
                continue;
            }
            String[] f = line.substring(colon + 1).trim().split("\\s+");
            if (f.length >= 9) {
                rx += Long.parseLong(f[0]);
                tx += Long.parseLong(f[8]);
            }
        }
        return new Counters(busy, total, rx, tx);
    }

    /**
     * @return total memory in bytes
     */
    long memoryBytes() {
        long kib = meminfo("MemTotal:");
        if (kib > 0) {
            return kib * 1024;
        }
        double total = osAttribute("TotalMemorySize");
        return total > 0 ? (long) total : Runtime.getRuntime().maxMemory();
    }

    double memoryUsage() {
        long total = meminfo("MemTotal:");
        long available = meminfo("MemAvailable:");
        if (total > 0 && available >= 0) {
            return 1.0 - (double) available / total;
        }
        double jvmTotal = osAttribute("TotalMemorySize");
        double jvmFree = osAttribute("FreeMemorySize");
        return jvmTotal > 0 && jvmFree >= 0 ? 1.0 - jvmFree / jvmTotal : 0;
    }

    /**
     * @return total bytes of the data directory's file system
     */
    long diskBytes() {
        try {
            return store().getTotalSpace();
        } catch (IOException e) {
            return 0;
        }
    }

    double diskUsage() {
        try {
            FileStore store = store();
            long total = store.getTotalSpace();
            return total <= 0 ? 0 : 1.0 - (double) store.getUsableSpace() / total;
        } catch (IOException e) {
            return 0;
        }
    }

    private FileStore store() throws IOException {
        Path existing = dataDirectory;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return Files.getFileStore(existing == null ? Path.of(".") : existing);
    }

    private long meminfo(String field) {
        for (String line : lines("meminfo")) {
            if (line.startsWith(field)) {
                String[] f = line.substring(field.length()).trim().split("\\s+");
                return Long.parseLong(f[0]);
            }
        }
        return -1;
    }

    private List<String> lines(String file) {
        try {
            return Files.readAllLines(proc.resolve(file), StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static double jvmSystemCpu() {
        double load = osAttribute("CpuLoad");
        return load < 0 ? 0 : load;
    }

    /**
     * Reads the JVM's operating-system figures through JMX, so this bundle needs no import of the
     * JDK-specific com.sun.management package.
     *
     * @return the attribute, or -1 when this JVM does not offer it
     */
    private static double osAttribute(String name) {
        try {
            Object value =
                    ManagementFactory.getPlatformMBeanServer()
                            .getAttribute(
                                    new javax.management.ObjectName(
                                            ManagementFactory.OPERATING_SYSTEM_MXBEAN_NAME),
                                    name);
            return value instanceof Number n ? n.doubleValue() : -1;
        } catch (javax.management.JMException | RuntimeException e) {
            return -1;
        }
    }
}
