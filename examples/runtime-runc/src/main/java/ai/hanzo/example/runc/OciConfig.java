package ai.hanzo.example.runc;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.runtime.ContainerSpec;
import ai.hanzo.node.api.runtime.VolumeMount;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes an OCI runtime config.json for a {@link ContainerSpec}: the same shape {@code runc spec}
 * prints (namespaces, default mounts, masked paths, a small capability set), with the process, the
 * root file system, bind mounts and the cgroup limits of the spec.
 */
final class OciConfig {
    /** CFS period for CPU limits, as Docker uses. */
    static final long CPU_PERIOD_MICROS = 100_000;

    private static final List<String> CAPABILITIES =
            List.of(
                    "CAP_CHOWN",
                    "CAP_DAC_OVERRIDE",
                    "CAP_FSETID",
                    "CAP_FOWNER",
                    "CAP_SETGID",
                    "CAP_SETUID",
                    "CAP_SETPCAP",
                    "CAP_NET_BIND_SERVICE",
                    "CAP_KILL",
                    "CAP_AUDIT_WRITE");

    private OciConfig() {}

    /**
     * @param id the container id (names the cgroup and the host name)
     * @param spec the container
     * @param rootfs its root file system
     * @param readOnlyRoot whether the root is shared and must stay read-only
     * @param volumes where named volumes live
     * @return config.json's text
     */
    static String of(
            String id, ContainerSpec spec, Path rootfs, boolean readOnlyRoot, Path volumes) {
        Map<String, Object> process = new LinkedHashMap<>();
        process.put("terminal", false);
        process.put("user", user(spec.user()));
        process.put("args", args(spec));
        process.put("env", env(spec.environment()));
        process.put("cwd", spec.workingDir().isBlank() ? "/" : spec.workingDir());
        process.put(
                "capabilities",
                Map.of(
                        "bounding", CAPABILITIES,
                        "effective", CAPABILITIES,
                        "permitted", CAPABILITIES));
        process.put(
                "rlimits", List.of(Map.of("type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024)));
        process.put("noNewPrivileges", true);

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("ociVersion", "1.0.2");
        config.put("process", process);
        config.put("root", Map.of("path", rootfs.toString(), "readonly", readOnlyRoot));
        config.put("hostname", id);
        config.put("mounts", mounts(spec.mounts(), volumes));
        Map<String, Object> linux = new LinkedHashMap<>();
        linux.put("cgroupsPath", "/hanzo-runc/" + id);
        linux.put("resources", resources(spec));
        linux.put(
                "namespaces",
                List.of(
                        Map.of("type", "pid"),
                        Map.of("type", "network"),
                        Map.of("type", "ipc"),
                        Map.of("type", "uts"),
                        Map.of("type", "mount")));
        linux.put(
                "maskedPaths",
                List.of(
                        "/proc/acpi",
                        "/proc/kcore",
                        "/proc/keys",
                        "/proc/latency_stats",
                        "/proc/timer_list",
                        "/proc/timer_stats",
                        "/proc/sched_debug",
                        "/proc/scsi",
                        "/sys/firmware"));
        linux.put(
                "readonlyPaths",
                List.of(
                        "/proc/asound",
                        "/proc/bus",
                        "/proc/fs",
                        "/proc/irq",
                        "/proc/sys",
                        "/proc/sysrq-trigger"));
        config.put("linux", linux);
        return Json.write(config);
    }

    private static List<String> args(ContainerSpec spec) {
        List<String> args = new ArrayList<>(spec.entrypoint());
        args.addAll(spec.command());
        if (args.isEmpty()) {
            // busybox's default command, as its image has
            args.add("sh");
        }
        return args;
    }

    private static List<String> env(Map<String, String> environment) {
        Map<String, String> all = new TreeMap<>(environment);
        all.putIfAbsent("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        List<String> env = new ArrayList<>();
        all.forEach((k, v) -> env.add(k + "=" + v));
        return env;
    }

    /** Numeric {@code uid[:gid]}, or {@code root}: the root file system may have no passwd. */
    static Map<String, Object> user(String user) {
        if (user.isBlank() || user.equals("root")) {
            return Map.of("uid", 0, "gid", 0);
        }
        String[] parts = user.split(":", 2);
        try {
            long uid = Long.parseLong(parts[0]);
            long gid = parts.length > 1 ? Long.parseLong(parts[1]) : uid;
            if (uid < 0 || gid < 0) {
                throw new NumberFormatException();
            }
            return Map.of("uid", uid, "gid", gid);
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException(
                    "user '" + user + "': the runc runtime takes a numeric uid[:gid] or root");
        }
    }

    private static List<Object> mounts(List<VolumeMount> volumes, Path volumeRoot) {
        List<Object> mounts = new ArrayList<>();
        mounts.add(mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
        mounts.add(
                mount(
                        "/dev",
                        "tmpfs",
                        "tmpfs",
                        List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        mounts.add(
                mount(
                        "/dev/pts",
                        "devpts",
                        "devpts",
                        List.of(
                                "nosuid",
                                "noexec",
                                "newinstance",
                                "ptmxmode=0666",
                                "mode=0620",
                                "gid=5")));
        mounts.add(
                mount(
                        "/dev/shm",
                        "tmpfs",
                        "shm",
                        List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
        mounts.add(mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
        mounts.add(mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")));
        // the container's own cgroup, read-only: it sees its limits where programs look for them
        mounts.add(
                mount(
                        "/sys/fs/cgroup",
                        "cgroup",
                        "cgroup",
                        List.of("nosuid", "noexec", "nodev", "relatime", "ro")));
        mounts.add(
                mount(
                        "/tmp",
                        "tmpfs",
                        "tmpfs",
                        List.of("nosuid", "nodev", "mode=1777", "size=65536k")));
        for (VolumeMount v : volumes) {
            if (!v.target().startsWith("/")) {
                throw new InvalidArgumentException(
                        "volume target '" + v.target() + "' must be an absolute path");
            }
            String source =
                    v.source().startsWith("/")
                            ? v.source()
                            : volumeRoot.resolve(volumeName(v.source())).toString();
            List<String> options = new ArrayList<>(List.of("rbind"));
            options.add(v.readOnly() ? "ro" : "rw");
            mounts.add(mount(v.target(), "bind", source, options));
        }
        return mounts;
    }

    /** A named volume: a directory of this runtime's, so the name must be a plain name. */
    static String volumeName(String name) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")) {
            throw new InvalidArgumentException(
                    "volume '" + name + "': not an absolute host path nor a plain volume name");
        }
        return name;
    }

    private static Map<String, Object> mount(
            String destination, String type, String source, List<String> options) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("destination", destination);
        m.put("type", type);
        m.put("source", source);
        m.put("options", options);
        return m;
    }

    private static Map<String, Object> resources(ContainerSpec spec) {
        Map<String, Object> resources = new LinkedHashMap<>();
        // devices: deny all, then the usual character devices (what runc spec allows)
        resources.put("devices", List.of(Map.of("allow", false, "access", "rwm")));
        spec.memoryLimitBytes().ifPresent(bytes -> resources.put("memory", Map.of("limit", bytes)));
        spec.cpuLimit()
                .ifPresent(
                        cpus ->
                                resources.put(
                                        "cpu",
                                        Map.of(
                                                "quota",
                                                Math.max(
                                                        1000, Math.round(cpus * CPU_PERIOD_MICROS)),
                                                "period",
                                                CPU_PERIOD_MICROS)));
        spec.pidsLimit().ifPresent(pids -> resources.put("pids", Map.of("limit", pids)));
        return resources;
    }
}
