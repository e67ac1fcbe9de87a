package ai.hanzo.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.launcher.HanzoNodeLauncher;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.WalletUtils;

/** wallet create|import|address on real keystore v3 files, in the client JVM's classes. */
class WalletCommandTest {
    private static final String PASSWORD = "wallet-test-password-5d1e";
    // anvil's well-known account 1
    private static final String KEY =
            "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    private static final String ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

    @TempDir Path dir;

    private record Run(int code, String out, String err) {}

    private Run run(Map<String, String> env, String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code =
                HanzoNodeLauncher.runClient(
                        args, env, Map.of(), new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void createWritesAnOwnerOnlyKeystoreThatDecryptsToThePrintedAddress() throws Exception {
        Path keystore = dir.resolve("keys/operator.json");
        Run created =
                run(
                        Map.of("HANZO_CHAIN_PASSWORD", PASSWORD),
                        "wallet",
                        "create",
                        "--keystore",
                        keystore.toString());
        assertEquals(0, created.code(), created.err());
        String address = created.out().strip();
        assertTrue(address.matches("0x[0-9a-fA-F]{40}"), address);
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(keystore)));
        Credentials loaded = WalletUtils.loadCredentials(PASSWORD, keystore.toFile());
        assertTrue(address.equalsIgnoreCase(loaded.getAddress()));
        assertFalse(created.out().contains(PASSWORD) || created.err().contains(PASSWORD));

        Run again =
                run(
                        Map.of("HANZO_CHAIN_PASSWORD", PASSWORD),
                        "wallet",
                        "create",
                        "--keystore",
                        keystore.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("exists already"), again.err());
        assertEquals(
                address,
                run(Map.of(), "wallet", "address", "--keystore", keystore.toString())
                        .out()
                        .strip());
    }

    @Test
    void importTakesTheKeyFromAFileAndAddressReadsItBackWithoutThePassword() throws Exception {
        Path keyFile = dir.resolve("key.hex");
        Files.writeString(keyFile, "0x" + KEY + "\n");
        Path passwordFile = dir.resolve("password");
        Files.writeString(passwordFile, PASSWORD + "\n");
        Path keystore = dir.resolve("operator.json");
        Run imported =
                run(
                        Map.of(),
                        "wallet",
                        "import",
                        "--private-key-file",
                        keyFile.toString(),
                        "--password-file",
                        passwordFile.toString(),
                        "--keystore",
                        keystore.toString(),
                        "--output",
                        "json");
        assertEquals(0, imported.code(), imported.err());
        assertEquals(
                "{\"address\":\""
                        + ADDRESS
                        + "\",\"keystore\":\""
                        + keystore.toAbsolutePath()
                        + "\"}",
                imported.out().strip());
        assertFalse((imported.out() + imported.err()).contains(KEY));
        assertEquals(
                ADDRESS.toLowerCase(),
                WalletUtils.loadCredentials(PASSWORD, keystore.toFile()).getAddress());

        Run address = run(Map.of("HANZO_CHAIN_KEYSTORE", keystore.toString()), "wallet", "address");
        assertEquals(0, address.code(), address.err());
        assertEquals(ADDRESS, address.out().strip());
    }

    @Test
    void missingPasswordsAndMalformedKeysAreUsageErrorsThatEchoNothingSecret() throws Exception {
        Path keystore = dir.resolve("k.json");
        Run noPassword = run(Map.of(), "wallet", "create", "--keystore", keystore.toString());
        assertEquals(2, noPassword.code());
        assertTrue(noPassword.err().contains("HANZO_CHAIN_PASSWORD"), noPassword.err());
        assertFalse(Files.exists(keystore));

        Path keyFile = dir.resolve("typo.hex");
        String almost = KEY.substring(0, 63) + "z";
        Files.writeString(keyFile, almost);
        Run typo =
                run(
                        Map.of("HANZO_CHAIN_PASSWORD", PASSWORD),
                        "wallet",
                        "import",
                        "--private-key-file",
                        keyFile.toString(),
                        "--keystore",
                        keystore.toString());
        assertEquals(2, typo.code());
        assertTrue(typo.err().contains("does not hold 64 hex digits"), typo.err());
        assertFalse(typo.err().contains(almost));
        assertFalse(Files.exists(keystore));
    }
}
