package ai.hanzo.node.compute.internal.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.hanzo.node.api.runtime.ContainerSpec;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files a process container keeps: what is written is read back, whatever its size. */
class SpecFileTest {
    @TempDir Path dir;

    private static ContainerSpec spec(Map<String, String> env) {
        return new ContainerSpec(
                "web-0",
                "/bin/sleep",
                List.of(),
                List.of("1000"),
                env,
                "",
                "",
                "SIGTERM",
                List.of(),
                List.of(),
                List.of(),
                Map.of("hanzo.deployment", "d"),
                OptionalDouble.of(0.5),
                OptionalLong.of(1 << 20),
                OptionalLong.empty(),
                List.of(),
                Optional.empty());
    }

    @Test
    void anEnvironmentValueOver64KiBIsKept() throws Exception {
        // a certificate bundle in an env var, for example: writeUTF would refuse it
        String big = "x".repeat(200_000) + "é";
        Path file = dir.resolve("spec.bin");
        SpecFile.writeSpec(file, spec(Map.of("CA_BUNDLE", big)), List.of("/bin/sleep", "1000"));
        SpecFile.Stored back = SpecFile.readSpec(file);
        assertEquals(big, back.spec().environment().get("CA_BUNDLE"));
        assertEquals(List.of("/bin/sleep", "1000"), back.argv());
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                "it holds the environment");
    }

    @Test
    void aSpecFileOfTheFirstVersionIsStillRead() throws Exception {
        // the layout version 1 wrote (strings by writeUTF)
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(1);
            out.writeUTF("web-0");
            out.writeUTF("/bin/sleep");
            out.writeInt(0); // entrypoint
            out.writeInt(1); // command
            out.writeUTF("1000");
            out.writeInt(1); // environment
            out.writeUTF("A");
            out.writeUTF("b");
            out.writeUTF(""); // working dir
            out.writeUTF(""); // user
            out.writeUTF("SIGTERM");
            out.writeInt(1); // labels
            out.writeUTF("hanzo.deployment");
            out.writeUTF("d");
            out.writeDouble(0.5);
            out.writeLong(1 << 20);
            out.writeLong(-1);
            out.writeBoolean(false);
            out.writeInt(2); // argv
            out.writeUTF("/bin/sleep");
            out.writeUTF("1000");
        }
        Path file = dir.resolve("spec.bin");
        Files.write(file, bytes.toByteArray());
        SpecFile.Stored back = SpecFile.readSpec(file);
        assertEquals(spec(Map.of("A", "b")), back.spec());
        assertEquals(List.of("/bin/sleep", "1000"), back.argv());
    }

    @Test
    void aDamagedSpecFileIsRefusedNotGuessed() throws Exception {
        Path file = dir.resolve("spec.bin");
        SpecFile.writeSpec(file, spec(Map.of("A", "b")), List.of("/bin/sleep"));
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length - 3));
        assertThrows(IOException.class, () -> SpecFile.readSpec(file));
    }

    @Test
    void theStateFileIsReadBackAsProperties() throws Exception {
        Properties p = new Properties();
        p.setProperty("state", "RUNNING");
        p.setProperty("startedAt", "2026-11-29T15:00:00.123Z");
        p.setProperty("pid", "4242");
        Path file = dir.resolve("state.properties");
        SpecFile.writeState(file, p);
        assertEquals(p, SpecFile.readState(file));
    }
}
