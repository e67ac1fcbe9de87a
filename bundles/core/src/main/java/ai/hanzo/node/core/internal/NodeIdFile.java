package ai.hanzo.node.core.internal;

import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.InvalidArgumentException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The node id, kept in {@code <data-dir>/node-id} so that it survives restarts. An id given by the
 * operator (flag or env) wins and is persisted; otherwise the persisted id is used; a node with
 * neither gets a random UUID.
 */
final class NodeIdFile {
    static final String FILE_NAME = "node-id";
    private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private NodeIdFile() {}

    /**
     * @param dataDirectory the node's data directory (created if missing)
     * @param configured the id the operator asked for, if any
     * @return the node id to run with, persisted
     */
    static String resolve(Path dataDirectory, Optional<String> configured) {
        Path file = dataDirectory.resolve(FILE_NAME);
        Optional<String> wanted = configured.map(String::trim).filter(id -> !id.isEmpty());
        wanted.ifPresent(id -> requireValid(id, "--node-id / HANZO_NODE_ID"));
        try {
            Optional<String> persisted = read(file);
            if (wanted.isPresent()) {
                if (!wanted.equals(persisted)) {
                    write(file, wanted.get());
                }
                return wanted.get();
            }
            if (persisted.isPresent()) {
                return persisted.get();
            }
            String fresh = UUID.randomUUID().toString();
            write(file, fresh);
            return fresh;
        } catch (IOException e) {
            throw new FailedPreconditionException(
                    "cannot read or write the node id file "
                            + file
                            + ": "
                            + e
                            + "; check that the data directory is writable by the node's user",
                    e);
        }
    }

    private static Optional<String> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String id = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (!VALID_ID.matcher(id).matches()) {
            throw new FailedPreconditionException(
                    "the node id file "
                            + file
                            + " does not hold a valid node id"
                            + " (1-128 of A-Z a-z 0-9 . _ -); restore it from a backup, or delete it to get a new id");
        }
        return Optional.of(id);
    }

    private static void write(Path file, String id) throws IOException {
        Files.createDirectories(file.getParent());
        Path temporary = file.resolveSibling(FILE_NAME + ".tmp");
        // write, flush to disk, then rename: a crash leaves either the old id or the new one
        try (FileChannel channel =
                FileChannel.open(
                        temporary,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
            channel.write(StandardCharsets.UTF_8.encode(id + "\n"));
            channel.force(true);
        }
        Files.move(
                temporary,
                file,
                StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    static void requireValid(String id, String source) {
        if (!VALID_ID.matcher(id).matches()) {
            throw new InvalidArgumentException(
                    "invalid node id '"
                            + id
                            + "' from "
                            + source
                            + ": use 1-128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit");
        }
    }
}
