package ai.hanzo.node.launcher;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The node's API keys file, {@code <data-dir>/api-keys}, as the {@code keys} commands edit it. One
 * line per key: {@code <sha256 hex of the key> = <role> [<created, ISO-8601> [<name>]]}; lines
 * starting with {@code #} are comments. The key itself is never stored. A key's id is the first 12
 * hex digits of its hash. The running node (bundles/rpc {@code ApiKeys}) reads the same format and
 * reloads the file when it changes.
 *
 * <p>Writers take {@code api-keys.lock} and replace the file atomically, so the node never reads a
 * half-written file and two commands never lose each other's change.
 */
final class ApiKeyFile {
    static final String FILE = "api-keys";
    static final String KEY_PREFIX = "hzk_";
    static final Set<String> ROLES = Set.of("viewer", "operator", "admin", "node");
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

    /**
     * One stored key.
     *
     * @param hash the SHA-256 hex of the key
     * @param role its role
     * @param created when it was created, or null for keys from before this field existed
     * @param name the operator's label, or empty
     */
    record Entry(String hash, String role, Instant created, String name) {
        String id() {
            return hash.substring(0, 12);
        }

        String line() {
            StringBuilder line = new StringBuilder(hash).append(" = ").append(role);
            if (created != null) {
                line.append(' ').append(created);
                if (!name.isEmpty()) {
                    line.append(' ').append(name);
                }
            }
            return line.toString();
        }
    }

    /** A new key, shown to the operator once. */
    record Created(Entry entry, String key) {}

    private final Path dataDirectory;

    ApiKeyFile(Path dataDirectory) {
        this.dataDirectory = dataDirectory;
    }

    Path file() {
        return dataDirectory.resolve(FILE);
    }

    /**
     * @return the stored keys, in file order
     * @throws IOException if the file cannot be read or has a malformed line
     */
    List<Entry> list() throws IOException {
        Path file = file();
        if (!Files.exists(file)) {
            return List.of();
        }
        List<Entry> entries = new ArrayList<>();
        int number = 0;
        for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            number++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("!")) {
                continue;
            }
            entries.add(parse(line, file, number));
        }
        return entries;
    }

    private static Entry parse(String line, Path file, int number) throws IOException {
        int separator = line.indexOf('=');
        String hash =
                separator < 0 ? "" : line.substring(0, separator).strip().toLowerCase(Locale.ROOT);
        String[] rest =
                separator < 0 ? new String[0] : line.substring(separator + 1).strip().split(" ", 3);
        if (!HASH.matcher(hash).matches()
                || rest.length == 0
                || !ROLES.contains(rest[0].toLowerCase(Locale.ROOT))) {
            throw new IOException(
                    file
                            + " line "
                            + number
                            + " is not '<sha256 hex> = <role>' with a role of viewer, operator,"
                            + " admin or node");
        }
        Instant created = null;
        if (rest.length > 1) {
            try {
                created = Instant.parse(rest[1]);
            } catch (java.time.format.DateTimeParseException e) {
                throw new IOException(
                        file + " line " + number + " has a bad creation time '" + rest[1] + "'");
            }
        }
        return new Entry(
                hash, rest[0].toLowerCase(Locale.ROOT), created, rest.length > 2 ? rest[2] : "");
    }

    /**
     * @param role the new key's role
     * @param name a label for listings, or empty
     * @return the new key and its entry
     * @throws IOException if the file cannot be written
     */
    Created create(String role, String name) throws IOException {
        String key = newKey();
        Entry entry =
                new Entry(
                        hash(key),
                        role,
                        Instant.now().truncatedTo(ChronoUnit.SECONDS),
                        name.replaceAll("\\s+", "-"));
        locked(
                () -> {
                    List<Entry> entries = new ArrayList<>(list());
                    entries.add(entry);
                    write(entries);
                    return entry;
                });
        return new Created(entry, key);
    }

    /**
     * @param idOrPrefix a key id (or a unique start of one)
     * @return the revoked entry
     * @throws IOException if the file cannot be written
     * @throws IllegalArgumentException if no key, or more than one, has that id
     */
    Entry revoke(String idOrPrefix) throws IOException {
        String wanted = idOrPrefix.strip().toLowerCase(Locale.ROOT);
        if (wanted.length() < 4) {
            throw new IllegalArgumentException(
                    "key id '" + idOrPrefix + "' is too short: give at least 4 of its characters");
        }
        return locked(
                () -> {
                    List<Entry> entries = new ArrayList<>(list());
                    List<Entry> matches =
                            entries.stream().filter(e -> e.hash().startsWith(wanted)).toList();
                    if (matches.isEmpty()) {
                        throw new IllegalArgumentException(
                                "no key with id '" + idOrPrefix + "' (see 'hanzo-node keys list')");
                    }
                    if (matches.size() > 1) {
                        throw new IllegalArgumentException(
                                "key id '" + idOrPrefix + "' matches " + matches.size() + " keys");
                    }
                    entries.remove(matches.get(0));
                    write(entries);
                    return matches.get(0);
                });
    }

    private interface FileAction<T> {
        T run() throws IOException;
    }

    private <T> T locked(FileAction<T> action) throws IOException {
        try (FileChannel channel = lockFile()) {
            FileLock lock = channel.lock();
            try {
                return action.run();
            } finally {
                lock.release();
            }
        }
    }

    // held while reading and rewriting, so that two commands never lose each other's change
    private FileChannel lockFile() throws IOException {
        Files.createDirectories(dataDirectory);
        return FileChannel.open(
                dataDirectory.resolve(FILE + ".lock"),
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
    }

    private void write(List<Entry> entries) throws IOException {
        StringBuilder content =
                new StringBuilder(
                        "# API keys: <sha256 hex of the key> = <role> [<created> [<name>]]\n"
                                + "# roles: viewer, operator, admin, node. Edit with 'hanzo-node"
                                + " keys'.\n");
        entries.forEach(e -> content.append(e.line()).append('\n'));
        Path file = file();
        Path temporary = file.resolveSibling(FILE + ".tmp");
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

    static String newKey() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    static String hash(String key) {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("SHA-256")
                                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
