package ai.hanzo.node.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysCommandTest {
    @TempDir Path data;

    private record Run(int code, String out, String err) {}

    private Run run(Map<String, String> env, String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code =
                HanzoNodeLauncher.run(
                        args,
                        env,
                        Map.of(),
                        new PrintWriter(out),
                        new PrintWriter(err),
                        options -> fail("a client command must not start the node"));
        return new Run(code, out.toString(), err.toString());
    }

    private Run run(String... args) throws Exception {
        return run(Map.of(), args);
    }

    @Test
    void createPrintsTheKeyOnceAndStoresOnlyItsHashPrivately() throws Exception {
        Run created = run("keys", "create", "--role", "operator", "--data-dir", data.toString());
        assertEquals(0, created.code(), created.err());
        String key = created.out().strip();
        assertTrue(key.matches("hzk_[A-Za-z0-9_-]{43}"), key);
        String stored = Files.readString(data.resolve("api-keys"), StandardCharsets.UTF_8);
        assertFalse(stored.contains(key), "the key itself is never stored");
        assertTrue(stored.contains(ApiKeyFile.hash(key) + " = operator "), stored);
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(data.resolve("api-keys"))));
        assertTrue(created.err().contains("shown only now"), created.err());
    }

    @Test
    void listShowsIdsAndRolesAsTextAndJsonButNeverKeys() throws Exception {
        Run a =
                run(
                        "keys",
                        "create",
                        "--role",
                        "viewer",
                        "--name",
                        "grafana",
                        "--data-dir",
                        data.toString());
        Run b =
                run(
                        "keys",
                        "create",
                        "--role",
                        "admin",
                        "--data-dir",
                        data.toString(),
                        "--output",
                        "json");
        assertEquals(0, b.code(), b.err());
        Matcher json =
                Pattern.compile("\"id\":\"([0-9a-f]{12})\".*\"key\":\"(hzk_[^\"]+)\"")
                        .matcher(b.out());
        assertTrue(json.find(), b.out());
        Run text = run("keys", "list", "--data-dir", data.toString());
        assertEquals(0, text.code(), text.err());
        String viewerId = ApiKeyFile.hash(a.out().strip()).substring(0, 12);
        assertTrue(text.out().contains(viewerId + "  viewer"), text.out());
        assertTrue(text.out().contains("grafana"), text.out());
        assertTrue(text.out().contains(json.group(1) + "  admin"), text.out());
        assertFalse(text.out().contains(json.group(2)), "list never shows a key");
        Run listed = run("keys", "list", "--data-dir", data.toString(), "--output", "json");
        assertTrue(
                listed.out()
                        .strip()
                        .startsWith(
                                "[{\"id\":\""
                                        + viewerId
                                        + "\",\"role\":\"viewer\",\"name\":\"grafana\""),
                listed.out());
    }

    @Test
    void revokeRemovesExactlyThatKey() throws Exception {
        String first =
                run("keys", "create", "--role", "viewer", "--data-dir", data.toString())
                        .out()
                        .strip();
        String second =
                run("keys", "create", "--role", "node", "--data-dir", data.toString())
                        .out()
                        .strip();
        String id = ApiKeyFile.hash(first).substring(0, 12);
        Run revoked = run("keys", "revoke", id, "--data-dir", data.toString());
        assertEquals(0, revoked.code(), revoked.err());
        assertEquals("Revoked key " + id + " (viewer)", revoked.out().strip());
        List<ApiKeyFile.Entry> left = new ApiKeyFile(data).list();
        assertEquals(1, left.size());
        assertEquals(ApiKeyFile.hash(second), left.get(0).hash());
        Run again = run("keys", "revoke", id, "--data-dir", data.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("no key with id '" + id + "'"), again.err());
    }

    @Test
    void dataDirectoryComesFromTheNodeSettingsWhenNotGiven() throws Exception {
        Run created =
                run(
                        Map.of("HANZO_DATA_DIR", data.toString()),
                        "keys",
                        "create",
                        "--role",
                        "viewer");
        assertEquals(0, created.code(), created.err());
        assertEquals(1, new ApiKeyFile(data).list().size());
    }

    @Test
    void badInputIsAUsageErrorWithExitCodeTwo() throws Exception {
        Run role = run("keys", "create", "--role", "root", "--data-dir", data.toString());
        assertEquals(2, role.code());
        assertTrue(
                role.err().contains("invalid --role 'root': use viewer, operator, admin or node"),
                role.err());
        Run missing = run("keys", "create", "--data-dir", data.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("--role"), missing.err());
        Run output = run("keys", "list", "--output", "yaml", "--data-dir", data.toString());
        assertEquals(2, output.code());
        assertTrue(output.err().contains("invalid --output 'yaml'"), output.err());
        Run unknown = run("keys", "rotate");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("rotate"), unknown.err());
        assertFalse(Files.exists(data.resolve("api-keys")), "nothing was written");
    }

    @Test
    void aMalformedKeysFileIsNamedNotOverwritten() throws Exception {
        Files.writeString(data.resolve("api-keys"), "not a key line\n");
        Run created = run("keys", "create", "--role", "viewer", "--data-dir", data.toString());
        assertEquals(1, created.code());
        assertTrue(created.err().contains("api-keys line 1"), created.err());
        assertEquals("not a key line\n", Files.readString(data.resolve("api-keys")));
    }
}
