package ai.hanzo.node.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HomeDirectoryTest {
    @TempDir Path dir;

    @Test
    void chronicleWritesNothingToTheHomeDirectory() throws Exception {
        assertEquals("true", System.getProperty("chronicle.analytics.disable"));
        try (var s = NodeStoreTest.closing(Fixtures.open(dir))) {
            s.store().put("k", new byte[] {1});
            s.store().putDeployment(Fixtures.deployment("d"));
        }
        // surefire points user.home at a throwaway directory (see pom.xml)
        Path home = Path.of(System.getProperty("user.home"));
        if (Files.exists(home)) {
            try (Stream<Path> files = Files.walk(home)) {
                List<Path> written =
                        files.filter(f -> !f.equals(home)).collect(Collectors.toList());
                assertEquals(List.of(), written, "files written to the home directory " + home);
            }
        }
    }
}
