package ai.hanzo.node.storage.internal;

import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.ResourceExhaustedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.StampedLock;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One persisted Chronicle Map that grows: Chronicle Map is sized at creation, so when this map
 * holds more than the threshold share of its capacity it is rebuilt twice as large in a side file
 * and swapped in atomically (see {@link StoreDirectory#swapInGrown}). Operations share a read lock;
 * growth takes the write lock, so no operation sees a half-migrated map.
 *
 * @param <K> the key type, {@code String} or {@code Long}
 */
final class GrowableMap<K> implements AutoCloseable {
    /**
     * Chronicle may add segment tiers up to this factor over the capacity before it refuses a put.
     */
    private static final double MAX_BLOAT = 2.0;

    private final Logger logger = LoggerFactory.getLogger(GrowableMap.class);
    private final StoreDirectory store;
    private final String name;
    private final Class<K> keyClass;
    private final int averageKeyBytes;
    private final int averageValueBytes;
    private final int growPercent;

    /**
     * Not reentrant: no method takes it while holding it. Cheaper than a ReentrantReadWriteLock on
     * the hot path.
     */
    private final StampedLock lock = new StampedLock();

    private final AtomicLong inserts = new AtomicLong();
    private ChronicleMap<K, byte[]> map;
    private long capacity;
    private volatile long growAt;
    private volatile boolean closed;

    GrowableMap(
            StoreDirectory store,
            String name,
            Class<K> keyClass,
            long entries,
            int averageKeyBytes,
            int averageValueBytes,
            int growPercent) {
        this.store = store;
        this.name = name;
        this.keyClass = keyClass;
        this.averageKeyBytes = averageKeyBytes;
        this.averageValueBytes = averageValueBytes;
        this.growPercent = growPercent;
        Path file = store.mapFile(name);
        try {
            store.recoverInterruptedGrowth(name);
        } catch (IOException e) {
            throw new FailedPreconditionException(
                    "Cannot recover an interrupted growth of "
                            + file
                            + ": "
                            + e
                            + ". Check the store directory's permissions and free space.",
                    e);
        }
        boolean exists = Files.exists(file);
        long recorded = store.capacity(name);
        this.map = exists ? openExisting(file) : create(file, entries);
        this.capacity = exists ? Math.max(recorded, 1) : entries;
        if (!exists) {
            store.recordCapacity(name, entries);
        }
        updateGrowAt();
        try {
            if (exists && entries > capacity) {
                logger.info(
                        "Growing {} to the configured {} entries (it had {})",
                        file,
                        entries,
                        capacity);
                grow(entries);
            } else if (map.size() >= growAt) {
                grow(Math.max(capacity * 2, map.size() * 2L));
            }
        } catch (RuntimeException e) {
            map.close();
            throw e;
        }
    }

    private ChronicleMapBuilder<K, byte[]> builder(long entries) {
        ChronicleMapBuilder<K, byte[]> b =
                ChronicleMapBuilder.of(keyClass, byte[].class)
                        .name(name)
                        .entries(entries)
                        .averageValueSize(averageValueBytes)
                        .maxBloatFactor(MAX_BLOAT);
        if (keyClass == String.class) {
            b.averageKeySize(averageKeyBytes);
        }
        return b;
    }

    private ChronicleMap<K, byte[]> create(Path file, long entries) {
        return withBundleLoader(() -> builder(entries).createPersistedTo(file.toFile()), file);
    }

    private ChronicleMap<K, byte[]> openExisting(Path file) {
        try {
            if (Files.size(file) == 0) {
                throw StoreErrors.damagedFile(file, "it is empty (truncated to 0 bytes)", null);
            }
            checkHeader(file);
        } catch (IOException e) {
            throw StoreErrors.damagedFile(file, e.toString(), e);
        }
        // a plain open first: it checks the header and the file length, which Chronicle's recovery
        // would instead "repair" by rewriting a truncated file
        ChronicleMap<K, byte[]> opened =
                withBundleLoader(() -> builder(1).createPersistedTo(file.toFile()), file);
        if (!store.uncleanShutdown()) {
            return opened;
        }
        // the last process died with the map open: release its segment locks and check the entries
        opened.close();
        logger.info("The node did not shut down cleanly; running Chronicle's recovery on {}", file);
        return withBundleLoader(() -> builder(1).recoverPersistedTo(file.toFile(), false), file);
    }

    /**
     * A Chronicle Map file starts with an 8-byte preamble, a 4-byte little-endian header length and
     * the header itself, a text that names the map class. Checking that before Chronicle reads the
     * file turns an overwritten file into a prompt error instead of Chronicle waiting on lock words
     * that are garbage.
     */
    private static void checkHeader(Path file) throws IOException {
        byte[] start = new byte[HEADER_TAG.length + 12];
        int read;
        try (var in = Files.newInputStream(file)) {
            read = in.readNBytes(start, 0, start.length);
        }
        long headerLength =
                (start[8] & 0xffL)
                        | (start[9] & 0xffL) << 8
                        | (start[10] & 0xffL) << 16
                        | (start[11] & 0x3fL) << 24;
        boolean tagged =
                read == start.length
                        && java.util.Arrays.equals(
                                start, 12, start.length, HEADER_TAG, 0, HEADER_TAG.length);
        if (!tagged || headerLength > Files.size(file)) {
            throw StoreErrors.damagedFile(
                    file, "it does not start with a Chronicle Map header", null);
        }
    }

    private static final byte[] HEADER_TAG =
            "!net.openhft.chronicle.map.".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    @FunctionalInterface
    private interface Opener<T> {
        T open() throws IOException;
    }

    /** Chronicle generates and loads classes; in OSGi it must see this bundle's class loader. */
    private static <T> T withBundleLoader(Opener<T> opener, Path file) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(GrowableMap.class.getClassLoader());
        try {
            T opened = opener.open();
            // Chronicle creates its files with the umask's mode; deployments hold secrets
            StoreDirectory.ownerOnly(file);
            return opened;
        } catch (LinkageError e) {
            throw StoreErrors.chronicleUnavailable(e);
        } catch (IOException | RuntimeException e) {
            if (e.getCause() instanceof LinkageError) {
                throw StoreErrors.chronicleUnavailable(e.getCause());
            }
            throw StoreErrors.damagedFile(file, e.toString(), e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    private void updateGrowAt() {
        growAt = Math.max(1, capacity * growPercent / 100);
    }

    String name() {
        return name;
    }

    Path file() {
        return store.mapFile(name);
    }

    byte[] get(K key) {
        long stamp = lock.readLock();
        try {
            return open().get(key);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * Like {@link #get} but reads into {@code using} when the stored value has its length, which
     * spares an allocation per read for fixed-size values (full metrics buckets).
     */
    byte[] getUsing(K key, byte[] using) {
        long stamp = lock.readLock();
        try {
            return open().getUsing(key, using);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * @return the previous value, or null
     */
    byte[] put(K key, byte[] value) {
        long seenCapacity;
        byte[] previous;
        long stamp = lock.readLock();
        try {
            seenCapacity = capacity;
            previous = putOnce(key, value);
        } catch (IllegalStateException full) {
            // Chronicle ran out of segment tiers before the threshold said so (keys cluster badly,
            // or values are larger than the configured average): grow now and retry once
            logger.info(
                    "Node store map {} refused an entry ({}); growing it",
                    file(),
                    full.getMessage());
            previous = null;
            seenCapacity = -1;
        } finally {
            lock.unlockRead(stamp);
        }
        if (seenCapacity < 0) {
            growNow(capacity(), true);
            long retry = lock.readLock();
            try {
                return putOnce(key, value);
            } catch (IllegalStateException stillFull) {
                throw new ResourceExhaustedException(
                        "The node store map "
                                + file()
                                + " is full even after growing it: "
                                + stillFull.getMessage()
                                + ". Raise its entries or average size in ai.hanzo.node.storage.",
                        stillFull);
            } finally {
                lock.unlockRead(retry);
            }
        }
        // longSize() walks the segment headers: look only every few inserts, the bloat factor
        // leaves slack
        if (previous == null && (inserts.incrementAndGet() & 15) == 0 && size() >= growAt) {
            growNow(seenCapacity, false);
        }
        return previous;
    }

    private byte[] putOnce(K key, byte[] value) {
        try {
            return open().put(key, value);
        } catch (IllegalArgumentException tooLarge) {
            throw new ResourceExhaustedException(
                    "A value of "
                            + value.length
                            + " bytes is too large for the node store map "
                            + file()
                            + " ("
                            + tooLarge.getMessage()
                            + "). Store less, or raise its average size in"
                            + " ai.hanzo.node.storage.",
                    tooLarge);
        }
    }

    /**
     * @return the removed value, or null
     */
    byte[] remove(K key) {
        long stamp = lock.readLock();
        try {
            return open().remove(key);
        } finally {
            lock.unlockRead(stamp);
        }
    }

    long size() {
        long stamp = lock.readLock();
        try {
            return open().longSize();
        } finally {
            lock.unlockRead(stamp);
        }
    }

    long capacity() {
        long stamp = lock.readLock();
        try {
            return capacity;
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * Calls {@code action} for every entry with a private copy of its value (Chronicle reuses the
     * value array while iterating). The map must not be written from inside {@code action}.
     */
    void forEach(BiConsumer<K, byte[]> action) {
        forEach(k -> true, action);
    }

    /**
     * As {@link #forEach(BiConsumer)}, copying only the values whose key passes {@code keyFilter}.
     */
    void forEach(Predicate<K> keyFilter, BiConsumer<K, byte[]> action) {
        long stamp = lock.readLock();
        try {
            open().forEach(
                            (k, v) -> {
                                if (keyFilter.test(k)) {
                                    action.accept(k, v.clone());
                                }
                            });
        } finally {
            lock.unlockRead(stamp);
        }
    }

    /**
     * Stops every operation on this map until {@link #resume}: each operation holds the read lock
     * for its whole Chronicle call, so once the write lock is held no call is in progress and none
     * starts. For a consistent copy of the map file ({@link ChronicleNodeStore#backupTo}).
     *
     * @return the stamp to pass to {@link #resume}
     */
    long pause() {
        return lock.writeLock();
    }

    void resume(long stamp) {
        lock.unlockWrite(stamp);
    }

    /**
     * @param stamp from {@link #pause}, proving the caller holds the write lock
     * @return the number of entries
     */
    long sizeWhilePaused(long stamp) {
        if (!lock.validate(stamp) || !lock.isWriteLocked()) {
            throw new IllegalStateException("the map " + name + " is not paused");
        }
        return open().longSize();
    }

    private ChronicleMap<K, byte[]> open() {
        if (closed) {
            throw new FailedPreconditionException(
                    "The node store is closed (the storage bundle stopped)");
        }
        return map;
    }

    /**
     * @param seenCapacity the capacity the caller saw; if another writer grew the map since,
     *     nothing is done
     * @param force grow even if the map is below the threshold (Chronicle refused an entry)
     */
    private void growNow(long seenCapacity, boolean force) {
        long stamp = lock.writeLock();
        try {
            if (closed || capacity != seenCapacity || (!force && map.longSize() < growAt)) {
                return;
            }
            grow(Math.max(capacity * 2, map.longSize() * 2));
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Rebuilds the map with {@code entries} capacity; caller holds the write lock or is the
     * constructor.
     */
    private void grow(long entries) {
        Path file = file();
        Path growFile = store.growFile(name);
        long started = System.nanoTime();
        long size = map.longSize();
        try {
            Files.deleteIfExists(growFile);
            ChronicleMap<K, byte[]> next =
                    withBundleLoader(
                            () -> builder(entries).createPersistedTo(growFile.toFile()), growFile);
            try {
                map.forEach((k, v) -> next.put(k, v.clone()));
            } finally {
                next.close();
            }
            map.close();
            store.swapInGrown(name);
        } catch (IOException | RuntimeException e) {
            throw new ResourceExhaustedException(
                    "Growing the node store map "
                            + file
                            + " to "
                            + entries
                            + " entries failed: "
                            + e
                            + ". The map is unchanged; check free disk space.",
                    e);
        } finally {
            if (!map.isOpen()) {
                map = withBundleLoader(() -> builder(1).createPersistedTo(file.toFile()), file);
            }
        }
        capacity = entries;
        updateGrowAt();
        store.recordCapacity(name, entries);
        logger.info(
                "Grew node store map {} to {} entries ({} migrated in {} ms)",
                file,
                entries,
                size,
                (System.nanoTime() - started) / 1_000_000);
    }

    @Override
    public void close() {
        long stamp = lock.writeLock();
        try {
            if (!closed) {
                closed = true;
                map.close();
            }
        } finally {
            lock.unlockWrite(stamp);
        }
    }
}
