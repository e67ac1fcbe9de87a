package ai.hanzo.node.p2p.internal.identity;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the node's identity key from {@code <data-dir>/p2p/identity.key} (libp2p protobuf {@code
 * PrivateKey}), creating it with owner-only permissions on first start.
 */
public final class IdentityKeyFile {
    /** File name under {@code <data-dir>/p2p/}. */
    public static final String FILE_NAME = "identity.key";

    private static final Set<PosixFilePermission> OWNER_ONLY =
            PosixFilePermissions.fromString("rw-------");

    private final Logger logger = LoggerFactory.getLogger(IdentityKeyFile.class);
    private final Path file;

    /**
     * @param dataDir the node's data directory
     */
    public IdentityKeyFile(Path dataDir) {
        this.file = dataDir.resolve("p2p").resolve(FILE_NAME);
    }

    /**
     * @return the key file's path
     */
    public Path path() {
        return file;
    }

    /**
     * @return the stored key, or a new one written to disk first
     */
    public IdentityKey loadOrCreate() throws IOException {
        if (Files.exists(file)) {
            tightenPermissions();
            IdentityKey key = IdentityKey.fromProtobuf(Files.readAllBytes(file));
            logger.info("Loaded P2P identity {} from {}", key.peerId(), file);
            return key;
        }
        Files.createDirectories(file.getParent());
        IdentityKey key = IdentityKey.generate();
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        Files.deleteIfExists(tmp);
        boolean posix = tmp.getFileSystem().supportedFileAttributeViews().contains("posix");
        if (posix) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
            Files.createFile(tmp);
        }
        Files.write(
                tmp,
                key.toProtobuf(),
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.SYNC);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(tmp);
            return loadOrCreate();
        }
        logger.info("Created P2P identity {} in {}", key.peerId(), file);
        return key;
    }

    private void tightenPermissions() throws IOException {
        if (!file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (!perms.equals(OWNER_ONLY)) {
            logger.warn(
                    "P2P key file {} had permissions {}; restricting it to the owner",
                    file,
                    PosixFilePermissions.toString(perms));
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        }
    }
}
