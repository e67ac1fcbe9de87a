package ai.hanzo.node.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.ErrorCode;
import ai.hanzo.node.api.NodeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeIdFileTest {
    @TempDir Path data;

    @Test
    void firstStartGeneratesAUuidAndPersistsIt() throws Exception {
        String id = NodeIdFile.resolve(data, Optional.empty());
        UUID.fromString(id);
        assertEquals(id, Files.readString(data.resolve("node-id")).trim());
    }

    @Test
    void laterStartsKeepThePersistedId() {
        String first = NodeIdFile.resolve(data, Optional.empty());
        assertEquals(first, NodeIdFile.resolve(data, Optional.empty()));
        assertEquals(first, NodeIdFile.resolve(data, Optional.of("  ")));
    }

    @Test
    void configuredIdWinsAndIsPersistedForTheNextStart() {
        NodeIdFile.resolve(data, Optional.empty());
        assertEquals("rack-4.gpu-2", NodeIdFile.resolve(data, Optional.of("rack-4.gpu-2")));
        assertEquals("rack-4.gpu-2", NodeIdFile.resolve(data, Optional.empty()));
    }

    @Test
    void invalidConfiguredIdIsRejectedAndNothingIsWritten() {
        NodeException error =
                assertThrows(
                        NodeException.class, () -> NodeIdFile.resolve(data, Optional.of("a/b")));
        assertEquals(ErrorCode.INVALID_ARGUMENT, error.code());
        assertTrue(error.getMessage().contains("'a/b'"), error.getMessage());
        assertTrue(Files.notExists(data.resolve("node-id")));
    }

    @Test
    void damagedIdFileIsAClearErrorNamingTheFileAndIsNotOverwritten() throws Exception {
        Files.writeString(data.resolve("node-id"), "\u0000\u0001garbage/..");
        NodeException error =
                assertThrows(NodeException.class, () -> NodeIdFile.resolve(data, Optional.empty()));
        assertEquals(ErrorCode.FAILED_PRECONDITION, error.code());
        assertTrue(
                error.getMessage().contains(data.resolve("node-id").toString()),
                error.getMessage());
        assertEquals("\u0000\u0001garbage/..", Files.readString(data.resolve("node-id")));
    }
}
