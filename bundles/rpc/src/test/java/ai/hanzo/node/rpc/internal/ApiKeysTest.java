package ai.hanzo.node.rpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A key's role is remembered per key table: a reload that revokes or changes it applies. */
class ApiKeysTest {
    @TempDir Path data;

    @Test
    void aRememberedKeyFollowsTheFileAfterAReload() throws Exception {
        ApiKeys keys = ApiKeys.loadOrCreate(data);
        String admin = Files.readString(data.resolve(ApiKeys.ADMIN_KEY_FILE)).trim();
        Path file = data.resolve(ApiKeys.KEYS_FILE);
        String withAdmin = Files.readString(file);
        String viewer = ApiKeys.newKey();
        assertEquals(Optional.of(Role.ADMIN), keys.roleOf(admin));
        assertEquals(Optional.of(Role.ADMIN), keys.roleOf(admin), "asked again: the same");
        assertEquals(Optional.empty(), keys.roleOf(viewer), "not in the file");
        assertEquals(Optional.empty(), keys.roleOf("not-a-key"));

        ApiKeys.writePrivate(file, withAdmin + ApiKeys.hash(viewer) + " = viewer\n");
        touchLater(file);
        assertTrue(keys.reload());
        assertEquals(Optional.of(Role.VIEWER), keys.roleOf(viewer), "added");

        // the admin key's role changed, the viewer's key revoked
        ApiKeys.writePrivate(file, ApiKeys.hash(admin) + " = operator\n");
        touchLater(file);
        assertTrue(keys.reload());
        assertEquals(Optional.of(Role.OPERATOR), keys.roleOf(admin), "the new role");
        assertEquals(Optional.empty(), keys.roleOf(viewer), "revoked");

        ApiKeys.writePrivate(file, "# no keys\n");
        touchLater(file);
        assertTrue(keys.reload());
        assertEquals(Optional.empty(), keys.roleOf(admin), "revoked");
    }

    // the reload compares modification time, size and file key; a rewrite within the same
    // millisecond with the same size would look unchanged
    private static void touchLater(Path file) throws Exception {
        Files.setLastModifiedTime(
                file,
                java.nio.file.attribute.FileTime.fromMillis(
                        Files.getLastModifiedTime(file).toMillis() + 1000));
    }
}
