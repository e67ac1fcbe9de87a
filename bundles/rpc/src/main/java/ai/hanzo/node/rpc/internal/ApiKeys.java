package ai.hanzo.node.rpc.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The API keys that may call the node, kept as SHA-256 hashes in {@code <data-dir>/api-keys}
 * ({@code <hash> = <role>}), so the file reveals no key. On first start the node creates an admin
 * key and writes it, readable by the node's user only, to {@code <data-dir>/admin.key}.
 */
final class ApiKeys {
    static final String KEY_PREFIX = "hzk_";
    static final String KEYS_FILE = "api-keys";
    static final String ADMIN_KEY_FILE = "admin.key";

    private final Map<String, Role> roleByHash;

    private ApiKeys(Map<String, Role> roleByHash) {
        this.roleByHash = Map.copyOf(roleByHash);
    }

    /**
     * @param dataDirectory the node's data directory
     * @return the keys, after creating the admin key if the node has none
     * @throws IOException if the key files cannot be read or written
     */
    static ApiKeys loadOrCreate(Path dataDirectory) throws IOException {
        Path keysFile = dataDirectory.resolve(KEYS_FILE);
        Properties stored = new Properties();
        if (Files.exists(keysFile)) {
            try (Reader reader = Files.newBufferedReader(keysFile, StandardCharsets.UTF_8)) {
                stored.load(reader);
            }
        }
        if (stored.isEmpty()) {
            String adminKey = newKey();
            writePrivate(dataDirectory.resolve(ADMIN_KEY_FILE), adminKey + "\n");
            stored.setProperty(hash(adminKey), "admin");
            try (Writer writer = new java.io.StringWriter()) {
                stored.store(
                        writer,
                        "API key hashes (sha256 hex) = role: viewer, operator, admin, node");
                writePrivate(keysFile, writer.toString());
            }
        }
        Map<String, Role> roles = new HashMap<>();
        for (String hash : stored.stringPropertyNames()) {
            String role = stored.getProperty(hash).trim().toUpperCase(Locale.ROOT);
            try {
                roles.put(hash.toLowerCase(Locale.ROOT), Role.valueOf(role));
            } catch (IllegalArgumentException e) {
                throw new IOException(
                        "unknown role '"
                                + stored.getProperty(hash)
                                + "' in "
                                + keysFile
                                + "; use viewer, operator, admin or node");
            }
        }
        return new ApiKeys(roles);
    }

    /**
     * @param presentedKey the key a caller sent
     * @return the caller's role, if the key is known
     */
    Optional<Role> roleOf(String presentedKey) {
        if (presentedKey == null || !presentedKey.startsWith(KEY_PREFIX)) {
            return Optional.empty();
        }
        return Optional.ofNullable(roleByHash.get(hash(presentedKey)));
    }

    static String newKey() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    static String hash(String key) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256")
                            .digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        try {
            Files.createFile(
                    temporary,
                    PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(temporary);
        }
        Files.writeString(temporary, content, StandardCharsets.UTF_8);
        Files.move(
                temporary,
                file,
                StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }
}
