package ai.hanzo.node.compute.internal.process;

import ai.hanzo.node.api.runtime.ContainerHealthcheck;
import ai.hanzo.node.api.runtime.ContainerSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;

/**
 * The files that let a container outlive the node: {@code spec.bin} (what to run, with its
 * environment: mode 600) and {@code state.properties} (pid, start time, log offsets), both written
 * atomically.
 */
final class SpecFile {
    // 2: strings as length + UTF-8 (1 used writeUTF, which refuses a string over 64 KiB)
    private static final int VERSION = 2;
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private SpecFile() {}

    static void writeSpec(Path file, ContainerSpec s, List<String> argv) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(VERSION);
            str(out, s.name());
            str(out, s.image());
            list(out, s.entrypoint());
            list(out, s.command());
            map(out, s.environment());
            str(out, s.workingDir());
            str(out, s.user());
            str(out, s.stopSignal());
            map(out, s.labels());
            out.writeDouble(s.cpuLimit().orElse(-1));
            out.writeLong(s.memoryLimitBytes().orElse(-1));
            out.writeLong(s.pidsLimit().orElse(-1));
            out.writeBoolean(s.healthcheck().isPresent());
            if (s.healthcheck().isPresent()) {
                ContainerHealthcheck h = s.healthcheck().get();
                list(out, h.test());
                out.writeLong(h.interval().toMillis());
                out.writeLong(h.timeout().toMillis());
                out.writeInt(h.retries());
                out.writeLong(h.startPeriod().toMillis());
            }
            list(out, argv);
        }
        atomicWrite(file, bytes.toByteArray());
    }

    /** What {@link #readSpec} returns. */
    record Stored(ContainerSpec spec, List<String> argv) {}

    static Stored readSpec(Path file) throws IOException {
        try (DataInputStream in =
                new DataInputStream(new ByteArrayInputStream(Files.readAllBytes(file)))) {
            int version = in.readInt();
            if (version != 1 && version != 2) {
                throw new IOException("unknown spec version " + version);
            }
            String name = str(in, version);
            String image = str(in, version);
            List<String> entrypoint = list(in, version);
            List<String> command = list(in, version);
            Map<String, String> env = map(in, version);
            String wd = str(in, version);
            String user = str(in, version);
            String stop = str(in, version);
            Map<String, String> labels = map(in, version);
            double cpu = in.readDouble();
            long mem = in.readLong();
            long pids = in.readLong();
            Optional<ContainerHealthcheck> health = Optional.empty();
            if (in.readBoolean()) {
                health =
                        Optional.of(
                                new ContainerHealthcheck(
                                        list(in, version),
                                        Duration.ofMillis(in.readLong()),
                                        Duration.ofMillis(in.readLong()),
                                        in.readInt(),
                                        Duration.ofMillis(in.readLong())));
            }
            List<String> argv = list(in, version);
            ContainerSpec spec =
                    new ContainerSpec(
                            name,
                            image,
                            entrypoint,
                            command,
                            env,
                            wd,
                            user,
                            stop,
                            List.of(),
                            List.of(),
                            List.of(),
                            labels,
                            cpu < 0 ? OptionalDouble.empty() : OptionalDouble.of(cpu),
                            mem < 0 ? OptionalLong.empty() : OptionalLong.of(mem),
                            pids < 0 ? OptionalLong.empty() : OptionalLong.of(pids),
                            List.of(),
                            health);
            return new Stored(spec, argv);
        }
    }

    static void writeState(Path file, Properties state) throws IOException {
        // key=value lines that Properties.load reads; written by hand because store() formats a
        // date comment on every write. Keys and values here are names, numbers and instants.
        StringBuilder text = new StringBuilder(256);
        for (String key : state.stringPropertyNames()) {
            text.append(key).append('=').append(state.getProperty(key)).append('\n');
        }
        atomicWrite(file, text.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    static Properties readState(Path file) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }

    private static void atomicWrite(Path file, byte[] content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        // a left-over temporary file (a crash mid-write) is truncated; it was made 600 too
        try (SeekableByteChannel out =
                Files.newByteChannel(
                        tmp,
                        Set.of(
                                StandardOpenOption.WRITE,
                                StandardOpenOption.CREATE,
                                StandardOpenOption.TRUNCATE_EXISTING),
                        OWNER_ONLY)) {
            ByteBuffer buffer = ByteBuffer.wrap(content);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void str(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String str(DataInputStream in, int version) throws IOException {
        if (version == 1) {
            return in.readUTF();
        }
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("damaged spec file: a string of " + n + " bytes");
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    private static void list(DataOutputStream out, List<String> list) throws IOException {
        out.writeInt(list.size());
        for (String s : list) {
            str(out, s);
        }
    }

    private static List<String> list(DataInputStream in, int version) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("damaged spec file: a list of " + n + " items");
        }
        List<String> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(str(in, version));
        }
        return list;
    }

    private static void map(DataOutputStream out, Map<String, String> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            str(out, e.getKey());
            str(out, e.getValue());
        }
    }

    private static Map<String, String> map(DataInputStream in, int version) throws IOException {
        int n = in.readInt();
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            map.put(str(in, version), str(in, version));
        }
        return map;
    }
}
