package ai.hanzo.node.rpc.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API keys that may call the node, kept as SHA-256 hashes in {@code <data-dir>/api-keys}, one
 * per line: {@code <hash> = <role> [<created> [<name>]]} (the format {@code hanzo-node keys}
 * writes), so the file reveals no key. On first start (no file) the node creates an admin key and
 * writes it, readable by the node's user only, to {@code <data-dir>/admin.key}. {@link #reload}
 * picks up changes made while the node runs; a file that became malformed keeps the last good keys
 * and is reported once.
 */
final class ApiKeys {
    static final String KEY_PREFIX = "hzk_";
    static final String KEYS_FILE = "api-keys";
    static final String ADMIN_KEY_FILE = "admin.key";

    private final Logger logger = LoggerFactory.getLogger(ApiKeys.class);
    private final Path keysFile;
    private volatile Map<String, Role> roleByHash;

    /**
     * Known keys as presented, against the table they were found in: a caller sends the same key on
     * every call, and hashing it each time was a digest lookup and a SHA-256 per call. Only keys
     * the table knows are kept (so the map is no bigger than the key file, whatever callers send),
     * and a reload replaces the table, which empties this: a revoked key stops working with the
     * reload (within half a second), as before.
     */
    private volatile KnownKeys knownKeys;

    private record KnownKeys(Map<String, Role> table, ConcurrentHashMap<String, Role> byKey) {}

    private Object lastSeen;
    private String lastProblem;

    private ApiKeys(Path keysFile, Map<String, Role> roleByHash, Object seen) {
        this.keysFile = keysFile;
        this.roleByHash = Map.copyOf(roleByHash);
        this.knownKeys = new KnownKeys(this.roleByHash, new ConcurrentHashMap<>());
        this.lastSeen = seen;
    }

    /**
     * @param dataDirectory the node's data directory
     * @return the keys, after creating the admin key if the node has no keys file
     * @throws IOException if the key files cannot be read or written, or are malformed
     */
    static ApiKeys loadOrCreate(Path dataDirectory) throws IOException {
        Path keysFile = dataDirectory.resolve(KEYS_FILE);
        if (!Files.exists(keysFile)) {
            String adminKey = newKey();
            writePrivate(dataDirectory.resolve(ADMIN_KEY_FILE), adminKey + "\n");
            writePrivate(
                    keysFile,
                    "# API keys: <sha256 hex of the key> = <role> [<created> [<name>]]\n"
                            + "# roles: viewer, operator, admin, node. Edit with 'hanzo-node keys'.\n"
                            + hash(adminKey)
                            + " = admin "
                            + Instant.now().truncatedTo(ChronoUnit.SECONDS)
                            + " first-start\n");
        }
        Object seen = stamp(keysFile);
        return new ApiKeys(keysFile, parse(keysFile), seen);
    }

    /**
     * Re-reads the file if it changed since the last look. Cheap when it did not: one stat.
     *
     * @return whether the keys changed
     */
    synchronized boolean reload() {
        Object now;
        try {
            now = stamp(keysFile);
        } catch (IOException e) {
            now = "missing";
        }
        if (Objects.equals(now, lastSeen)) {
            return false;
        }
        lastSeen = now;
        try {
            Map<String, Role> next = "missing".equals(now) ? Map.of() : parse(keysFile);
            roleByHash = Map.copyOf(next);
            lastProblem = null;
            logger.info("API keys reloaded from {}: {} key(s)", keysFile, next.size());
            return true;
        } catch (IOException e) {
            if (!e.getMessage().equals(lastProblem)) {
                lastProblem = e.getMessage();
                logger.warn("Keeping the previous API keys: {}", e.getMessage());
            }
            return false;
        }
    }

    private static Object stamp(Path file) throws IOException {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(
                    attributes.lastModifiedTime().toMillis(),
                    attributes.size(),
                    String.valueOf(attributes.fileKey()));
        } catch (NoSuchFileException e) {
            return "missing";
        }
    }

    private static Map<String, Role> parse(Path keysFile) throws IOException {
        Map<String, Role> roles = new HashMap<>();
        int number = 0;
        for (String raw : Files.readAllLines(keysFile, StandardCharsets.UTF_8)) {
            number++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("!")) {
                continue;
            }
            int separator = line.indexOf('=');
            String hash =
                    separator < 0
                            ? ""
                            : line.substring(0, separator).strip().toLowerCase(Locale.ROOT);
            String[] rest =
                    separator < 0
                            ? new String[0]
                            : line.substring(separator + 1).strip().split(" ");
            Role role = null;
            if (rest.length > 0) {
                try {
                    role = Role.valueOf(rest[0].toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    role = null;
                }
            }
            if (!hash.matches("[0-9a-f]{64}") || role == null || role == Role.ANONYMOUS) {
                throw new IOException(
                        keysFile
                                + " line "
                                + number
                                + " is not '<sha256 hex> = <role>' with a role of viewer,"
                                + " operator, admin or node");
            }
            roles.put(hash, role);
        }
        return roles;
    }

    /**
     * @param presentedKey the key a caller sent
     * @return the caller's role, if the key is known
     */
    Optional<Role> roleOf(String presentedKey) {
        if (presentedKey == null || !presentedKey.startsWith(KEY_PREFIX)) {
            return Optional.empty();
        }
        Map<String, Role> table = roleByHash;
        KnownKeys known = knownKeys;
        if (known.table() != table) {
            known = new KnownKeys(table, new ConcurrentHashMap<>());
            knownKeys = known;
        }
        Role role = known.byKey().get(presentedKey);
        if (role == null) {
            role = table.get(hash(presentedKey));
            if (role != null) {
                known.byKey().put(presentedKey, role);
            }
        }
        return Optional.ofNullable(role);
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

    static void writePrivate(Path file, String content) throws IOException {
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
