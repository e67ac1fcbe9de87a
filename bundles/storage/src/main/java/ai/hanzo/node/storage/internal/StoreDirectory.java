package ai.hanzo.node.storage.internal;

import ai.hanzo.node.api.FailedPreconditionException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Properties;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store directory: its manifest ({@code store.properties}: layout format and map capacities),
 * the lock that keeps a second process out, the marker that tells an unclean shutdown, the
 * move-aside of {@code --reset-store}, and the atomic file swaps of a map's growth.
 */
final class StoreDirectory implements AutoCloseable {
    /** The layout this node writes: which maps exist and their key and value types. */
    static final int FORMAT = 1;

    static final String MANIFEST = "store.properties";
    static final String LOCK = "store.lock";

    /** Present while a node has the store open; found at open, it means the last run crashed. */
    static final String OPEN_MARKER = "store.open";

    static final String MAP_SUFFIX = ".cm3";
    static final String GROW_SUFFIX = ".grow";
    static final String PRE_GROW_SUFFIX = ".pre-grow";

    private static final DateTimeFormatter BACKUP_STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Logger logger = LoggerFactory.getLogger(StoreDirectory.class);
    private final Path dir;
    private final Properties manifest;
    private final boolean uncleanShutdown;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private StoreDirectory(
            Path dir,
            Properties manifest,
            boolean uncleanShutdown,
            FileChannel lockChannel,
            FileLock lock) {
        this.dir = dir;
        this.manifest = manifest;
        this.uncleanShutdown = uncleanShutdown;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Opens (creating if needed) the store directory and takes its lock.
     *
     * @param dir the store directory, {@code <data-dir>/store}
     * @param reset move an existing store aside and start empty ({@code --reset-store})
     * @param launchId identifies this framework launch, so a reset happens once per launch even
     *     when the component is activated again; may be null
     */
    static StoreDirectory open(Path dir, boolean reset, String launchId) {
        try {
            if (reset
                    && Files.isDirectory(dir)
                    && !launchId(dir).equals(String.valueOf(launchId))) {
                moveAside(dir);
            }
            Files.createDirectories(dir);
            // deployments carry environment values (secrets): the store is the node user's alone
            ownerOnly(dir);
            FileChannel channel =
                    FileChannel.open(
                            dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new FailedPreconditionException(
                        "The node store "
                                + dir
                                + " is in use by another node process. Stop that process, or give this node its own data"
                                + " directory.");
            }
            try {
                Properties manifest = readManifest(dir);
                boolean unclean = Files.exists(dir.resolve(OPEN_MARKER));
                if (reset && launchId != null) {
                    manifest.setProperty("reset.launch", launchId);
                }
                StoreDirectory store = new StoreDirectory(dir, manifest, unclean, channel, lock);
                store.writeManifest();
                Files.write(dir.resolve(OPEN_MARKER), new byte[0]);
                try (var files = Files.list(dir)) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        ownerOnly(f);
                    }
                }
                return store;
            } catch (RuntimeException | IOException e) {
                lock.release();
                channel.close();
                throw e;
            }
        } catch (IOException e) {
            throw new FailedPreconditionException(
                    "Cannot open the node store directory "
                            + dir
                            + ": "
                            + e
                            + ". Check that it exists, is writable and the disk has space.",
                    e);
        }
    }

    /**
     * Makes a store file readable and writable by the node's user only (0600), or a directory
     * usable by it only (0700). A file system without POSIX permissions is left as it is.
     *
     * @param path a file or directory of the store
     */
    static void ownerOnly(Path path) {
        try {
            if (!Files.exists(path)
                    || !path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                return;
            }
            Files.setPosixFilePermissions(
                    path,
                    java.nio.file.attribute.PosixFilePermissions.fromString(
                            Files.isDirectory(path) ? "rwx------" : "rw-------"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(
                    "Cannot restrict " + path + " to the node's user", e);
        }
    }

    private static String launchId(Path dir) {
        Path file = dir.resolve(MANIFEST);
        if (!Files.exists(file)) {
            return "";
        }
        try (InputStream in = Files.newInputStream(file)) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("reset.launch", "");
        } catch (IOException | IllegalArgumentException e) {
            return "";
        }
    }

    private static void moveAside(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            if (files.findAny().isEmpty()) {
                return;
            }
        }
        String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(BACKUP_STAMP);
        Path target = dir.resolveSibling(dir.getFileName() + ".bak-" + stamp);
        for (int i = 1; Files.exists(target); i++) {
            target = dir.resolveSibling(dir.getFileName() + ".bak-" + stamp + "-" + i);
        }
        Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
        LoggerFactory.getLogger(StoreDirectory.class)
                .warn(
                        "--reset-store: moved the existing node store {} aside to {}; starting with an empty store",
                        dir,
                        target);
    }

    private static Properties readManifest(Path dir) throws IOException {
        Path file = dir.resolve(MANIFEST);
        Properties p = new Properties();
        if (!Files.exists(file)) {
            try (Stream<Path> files = Files.list(dir)) {
                if (files.anyMatch(f -> f.getFileName().toString().contains(MAP_SUFFIX))) {
                    throw new FailedPreconditionException(
                            "The node store "
                                    + dir
                                    + " has map files but no "
                                    + MANIFEST
                                    + ", so its format is unknown. Move the directory aside (or start the node with"
                                    + " --reset-store, which does that) to start with an empty store.");
                }
            }
            p.setProperty("format", String.valueOf(FORMAT));
            return p;
        }
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IllegalArgumentException e) {
            throw damagedManifest(file, e.toString());
        }
        int format;
        try {
            format = Integer.parseInt(p.getProperty("format", ""));
        } catch (NumberFormatException e) {
            throw damagedManifest(file, "no valid 'format' entry");
        }
        if (format > FORMAT) {
            throw new FailedPreconditionException(
                    "The node store "
                            + dir
                            + " has format "
                            + format
                            + ", written by a newer node; this node reads formats up to "
                            + FORMAT
                            + ". Run the newer node version, or start with --reset-store to move this store aside and begin"
                            + " empty.");
        }
        if (format < 1) {
            throw damagedManifest(file, "format " + format);
        }
        return p;
    }

    private static FailedPreconditionException damagedManifest(Path file, String why) {
        return new FailedPreconditionException(
                "The node store manifest "
                        + file
                        + " is damaged ("
                        + why
                        + "). Move the store directory aside (or start the node with --reset-store, which does that) to start"
                        + " with an empty store.");
    }

    Path dir() {
        return dir;
    }

    /**
     * @return whether the previous process that had the store open did not close it (crash, kill
     *     -9)
     */
    boolean uncleanShutdown() {
        return uncleanShutdown;
    }

    Path mapFile(String name) {
        return dir.resolve(name + MAP_SUFFIX);
    }

    /**
     * @return the recorded capacity of a map, or 0 if it has none yet
     */
    synchronized long capacity(String name) {
        return Long.parseLong(manifest.getProperty("map." + name + ".entries", "0"));
    }

    synchronized void recordCapacity(String name, long entries) {
        manifest.setProperty("map." + name + ".entries", Long.toString(entries));
        try {
            writeManifest();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Finishes or undoes a growth that a crash interrupted, so that exactly one complete file for
     * the map remains. The swap is: build {@code .grow}, move the map to {@code .pre-grow}, move
     * {@code .grow} to the map, delete {@code .pre-grow}.
     */
    void recoverInterruptedGrowth(String name) throws IOException {
        Path main = mapFile(name);
        Path grow = main.resolveSibling(main.getFileName() + GROW_SUFFIX);
        Path preGrow = main.resolveSibling(main.getFileName() + PRE_GROW_SUFFIX);
        if (Files.exists(preGrow)) {
            if (Files.exists(main)) {
                logger.info(
                        "Completing an interrupted growth of {}: the grown map is in place", main);
                Files.delete(preGrow);
            } else {
                logger.warn(
                        "Undoing an interrupted growth of {}: restoring the map from before it",
                        main);
                Files.deleteIfExists(grow);
                move(preGrow, main);
            }
        }
        if (Files.exists(grow)) {
            logger.info("Discarding an incomplete grown copy {}", grow);
            Files.delete(grow);
        }
    }

    /** Replaces the map file by its grown copy; see {@link #recoverInterruptedGrowth}. */
    void swapInGrown(String name) throws IOException {
        Path main = mapFile(name);
        Path grow = main.resolveSibling(main.getFileName() + GROW_SUFFIX);
        Path preGrow = main.resolveSibling(main.getFileName() + PRE_GROW_SUFFIX);
        force(grow);
        move(main, preGrow);
        move(grow, main);
        forceDirectory();
        Files.delete(preGrow);
    }

    Path growFile(String name) {
        Path main = mapFile(name);
        return main.resolveSibling(main.getFileName() + GROW_SUFFIX);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void force(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    private void forceDirectory() {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // not every file system lets a directory be synced; the rename is still atomic
            logger.debug("Cannot sync directory {}: {}", dir, e.toString());
        }
    }

    private void writeManifest() throws IOException {
        Path tmp = dir.resolve(MANIFEST + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            manifest.store(out, "hanzo-node store manifest: do not edit");
        }
        ownerOnly(tmp);
        force(tmp);
        move(tmp, dir.resolve(MANIFEST));
        forceDirectory();
    }

    /** Marks a clean shutdown and releases the lock. */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(dir.resolve(OPEN_MARKER));
        } catch (IOException e) {
            logger.warn(
                    "Cannot remove {}: the next start will run a recovery pass",
                    dir.resolve(OPEN_MARKER),
                    e);
        }
        release();
    }

    /**
     * Releases the lock but keeps the open marker: for a start that failed, so that a store the
     * last run left unclean still gets its recovery pass next time.
     */
    void release() {
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            logger.warn("Cannot release the store lock {}", dir.resolve(LOCK), e);
        }
    }
}
