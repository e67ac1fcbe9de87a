package ai.hanzo.node.storage.internal;

import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.ResourceExhaustedException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.compute.ContainerRecord;
import ai.hanzo.node.api.compute.Deployment;
import ai.hanzo.node.api.node.MetricsSample;
import ai.hanzo.node.api.store.KvChange;
import ai.hanzo.node.api.store.NodeStore;
import ai.hanzo.node.api.store.StoreBackup;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.osgi.framework.BundleContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link NodeStore} on Chronicle Map, persisted under {@code <data-dir>/store/}. The layout follows
 * the Rust node's trees: one map each for deployments, containers, config, the key-value area, and
 * metrics (one entry per minute); the index of containers by deployment is rebuilt in memory at
 * start. Writes land in memory-mapped files when a method returns, so they survive a crash of the
 * process (not of the operating system).
 */
public final class ChronicleNodeStore implements NodeStore, StoreBackup {
    static final String PID = "ai.hanzo.node.storage";

    /**
     * Framework property with the node's data directory (an absolute path, set by the launcher).
     */
    static final String DATA_DIR_PROPERTY = "hanzo.data.dir";

    /** Framework property set to {@code true} by {@code --reset-store}. */
    static final String RESET_PROPERTY = "hanzo.store.reset";

    static final String DEPLOYMENTS = "deployments";
    static final String CONTAINERS = "containers";
    static final String CONFIG = "config";
    static final String KV = "kv";
    static final String METRICS = "metrics";

    private final Logger logger = LoggerFactory.getLogger(ChronicleNodeStore.class);
    private final StoreDirectory directory;
    private final StoreSettings settings;
    private final GrowableMap<String> deployments;
    private final GrowableMap<String> containers;

    /**
     * Container ids by deployment id. Kept in memory and rebuilt from the containers map at start:
     * the containers map stays the one source of truth, so no crash can leave the two out of step.
     */
    private final Map<String, Set<String>> containerIndex = new ConcurrentHashMap<>();

    private final GrowableMap<String> config;
    private final GrowableMap<String> kv;
    private final GrowableMap<Long> metricsBuckets;
    private final MetricsHistory metrics;

    /** Keeps a container and the index entry of its deployment consistent. */
    private final ReentrantLock containerLock = new ReentrantLock();

    private final List<Watch> watches = new CopyOnWriteArrayList<>();

    /**
     * Opens the store of the node's data directory; called by {@link NodeStoreOpener}.
     *
     * @param context gives the framework properties {@value #DATA_DIR_PROPERTY} and {@value
     *     #RESET_PROPERTY}
     * @param config the configuration of PID {@value #PID}
     */
    public ChronicleNodeStore(BundleContext context, StoreConfig config) {
        this(
                dataDir(context).resolve("store"),
                StoreSettings.from(config),
                Clock.systemUTC(),
                Boolean.parseBoolean(context.getProperty(RESET_PROPERTY)),
                context.getProperty("org.osgi.framework.uuid"));
    }

    /**
     * Opens a store directory outside a framework, with default sizes: for tools and for tests of
     * other bundles that need the real store (a crash test forks a JVM that opens it).
     *
     * @param storeDir the store directory
     * @return the open store; close it when done
     */
    public static ChronicleNodeStore open(Path storeDir) {
        return new ChronicleNodeStore(
                storeDir, StoreSettings.defaults(), Clock.systemUTC(), false, null);
    }

    ChronicleNodeStore(
            Path storeDir, StoreSettings settings, Clock clock, boolean reset, String launchId) {
        ChronicleEnvironment.prepare();
        this.settings = settings;
        this.directory = StoreDirectory.open(storeDir.toAbsolutePath(), reset, launchId);
        List<GrowableMap<?>> opened = new ArrayList<>();
        try {
            int key = settings.keyAverageBytes();
            int grow = settings.growThresholdPercent();
            deployments =
                    track(
                            opened,
                            new GrowableMap<>(
                                    directory,
                                    DEPLOYMENTS,
                                    String.class,
                                    settings.deploymentEntries(),
                                    key,
                                    settings.deploymentAverageBytes(),
                                    grow));
            containers =
                    track(
                            opened,
                            new GrowableMap<>(
                                    directory,
                                    CONTAINERS,
                                    String.class,
                                    settings.containerEntries(),
                                    key,
                                    settings.containerAverageBytes(),
                                    grow));
            config =
                    track(
                            opened,
                            new GrowableMap<>(
                                    directory,
                                    CONFIG,
                                    String.class,
                                    settings.configEntries(),
                                    key,
                                    settings.configAverageBytes(),
                                    grow));
            kv =
                    track(
                            opened,
                            new GrowableMap<>(
                                    directory,
                                    KV,
                                    String.class,
                                    settings.kvEntries(),
                                    key,
                                    settings.kvAverageBytes(),
                                    grow));
            // room for every retained minute below the grow threshold, plus the watermark entry
            long minutes = (settings.metricsRetention().toMinutes() + 2) * 100 / grow + 1;
            metricsBuckets =
                    track(
                            opened,
                            new GrowableMap<>(
                                    directory,
                                    METRICS,
                                    Long.class,
                                    minutes,
                                    Long.BYTES,
                                    MetricsBucket.FULL_BYTES,
                                    grow));
            metrics = new MetricsHistory(metricsBuckets, settings.metricsRetention(), clock);
            containers.forEach(
                    (id, stored) -> indexAdd(decodeContainer(id, stored).deploymentId(), id));
        } catch (RuntimeException e) {
            opened.forEach(GrowableMap::close);
            directory.release();
            throw e;
        }
        logger.info(
                "Node store open at {}{}: {} deployments, {} containers, {} config entries, {} KV entries",
                directory.dir(),
                directory.uncleanShutdown() ? " (recovered after an unclean shutdown)" : "",
                deployments.size(),
                containers.size(),
                config.size(),
                kv.size());
    }

    private static <T extends GrowableMap<?>> T track(List<GrowableMap<?>> opened, T map) {
        opened.add(map);
        return map;
    }

    /**
     * The node's data directory, found as the node core finds it: launcher, else Karaf's, else
     * ./data.
     */
    private static Path dataDir(BundleContext context) {
        for (String property : List.of(DATA_DIR_PROPERTY, "karaf.data")) {
            String dir = context.getProperty(property);
            if (dir != null && !dir.isBlank()) {
                return Path.of(dir);
            }
        }
        return Path.of("./data");
    }

    /** Closes the maps and marks a clean shutdown. */
    public void close() {
        watches.clear();
        for (GrowableMap<?> map : List.of(deployments, containers, config, kv, metricsBuckets)) {
            try {
                map.close();
            } catch (RuntimeException e) {
                logger.warn("Closing node store map {} failed", map.file(), e);
            }
        }
        directory.close();
        logger.info("Node store at {} closed", directory.dir());
    }

    // --- backup

    /**
     * Copies the manifest and the five map files while every map is paused. Why that copy is
     * consistent: each store operation holds its map's read lock for its whole Chronicle call and
     * growth holds the write lock, so with all five write locks held no Chronicle call is in
     * progress and none starts; Chronicle writes through a memory mapping of the file, and on Linux
     * a mapping and read() share the page cache, so reading the files now gives exactly the state
     * after the last completed write, with every segment lock word free. The manifest changes only
     * while a map is created (at open) or grows (under its write lock), so it is still too. The
     * locks are taken in one fixed order by this method only, and no operation holds one map's lock
     * while waiting for another's, so this cannot deadlock. Writers wait for the length of the
     * copy.
     */
    @Override
    public BackupResult backupTo(Path target) {
        Objects.requireNonNull(target, "target");
        Path out = checkBackupTarget(target);
        List<GrowableMap<?>> maps = List.of(deployments, containers, config, kv, metricsBuckets);
        long[] stamps = new long[maps.size()];
        int held = 0;
        long started = System.nanoTime();
        long pausedAt;
        int files = 0;
        long bytes = 0;
        long deploymentCount;
        boolean created = !Files.exists(out);
        try {
            Files.createDirectories(out);
            StoreDirectory.ownerOnly(out);
            for (; held < maps.size(); held++) {
                stamps[held] = maps.get(held).pause();
            }
            pausedAt = System.nanoTime();
            deploymentCount = deployments.sizeWhilePaused(stamps[0]);
            List<Path> sources = new ArrayList<>();
            sources.add(directory.dir().resolve(StoreDirectory.MANIFEST));
            maps.forEach(m -> sources.add(m.file()));
            for (Path source : sources) {
                Path copy = out.resolve(source.getFileName());
                Files.copy(source, copy);
                StoreDirectory.ownerOnly(copy);
                try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                files++;
                bytes += Files.size(copy);
            }
        } catch (IOException | RuntimeException e) {
            removePartial(out, created);
            throw new FailedPreconditionException(
                    "Cannot write the store backup to "
                            + out
                            + ": "
                            + e
                            + ". Check that the directory is writable and the disk has space.",
                    e);
        } finally {
            while (held > 0) {
                held--;
                maps.get(held).resume(stamps[held]);
            }
        }
        long pausedMillis = (System.nanoTime() - pausedAt) / 1_000_000;
        logger.info(
                "Node store backed up to {}: {} files, {} bytes, {} deployments; writes waited {} ms"
                        + " (the backup took {} ms)",
                out,
                files,
                bytes,
                deploymentCount,
                pausedMillis,
                (System.nanoTime() - started) / 1_000_000);
        return new BackupResult(out, files, bytes, deploymentCount, pausedMillis);
    }

    private Path checkBackupTarget(Path target) {
        if (!target.isAbsolute()) {
            throw new InvalidArgumentException(
                    "The backup directory must be an absolute path, got " + target);
        }
        Path out = target.normalize();
        if (out.startsWith(directory.dir()) || directory.dir().startsWith(out)) {
            throw new InvalidArgumentException(
                    "The backup directory "
                            + out
                            + " overlaps the node store "
                            + directory.dir()
                            + "; choose a directory outside the data directory's store.");
        }
        if (Files.exists(out)) {
            if (!Files.isDirectory(out)) {
                throw new InvalidArgumentException(
                        "The backup directory " + out + " exists and is not a directory");
            }
            try (var entries = Files.list(out)) {
                if (entries.findAny().isPresent()) {
                    throw new InvalidArgumentException(
                            "The backup directory "
                                    + out
                                    + " is not empty; give a new or empty directory so no earlier"
                                    + " file is mixed into the backup.");
                }
            } catch (IOException e) {
                throw new InvalidArgumentException(
                        "Cannot read the backup directory " + out + ": " + e);
            }
        }
        return out;
    }

    /** Removes what a failed backup wrote, so no half copy is mistaken for a backup. */
    private void removePartial(Path out, boolean created) {
        try (var entries = Files.list(out)) {
            for (Path f : (Iterable<Path>) entries::iterator) {
                Files.deleteIfExists(f);
            }
            if (created) {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            logger.warn("Cannot remove the incomplete backup in {}: {}", out, e.toString());
        }
    }

    // --- deployments

    @Override
    public void putDeployment(Deployment deployment) {
        Objects.requireNonNull(deployment, "deployment");
        deployments.put(
                key(deployment.id()),
                checkSize(ValueCodec.encodeDeployment(deployment), "deployment"));
    }

    @Override
    public Optional<Deployment> deployment(String deploymentId) {
        byte[] stored = deployments.get(key(deploymentId));
        return stored == null
                ? Optional.empty()
                : Optional.of(decodeDeployment(deploymentId, stored));
    }

    @Override
    public List<Deployment> deployments() {
        List<Deployment> all = new ArrayList<>();
        deployments.forEach((id, stored) -> all.add(decodeDeployment(id, stored)));
        return Collections.unmodifiableList(all);
    }

    @Override
    public boolean deleteDeployment(String deploymentId) {
        return deployments.remove(key(deploymentId)) != null;
    }

    private Deployment decodeDeployment(String id, byte[] stored) {
        try {
            return ValueCodec.decodeDeployment(stored);
        } catch (ValueCodec.UndecodableValueException e) {
            throw StoreErrors.undecodable(deployments.file(), id, e);
        }
    }

    // --- containers

    @Override
    public void putContainer(ContainerRecord container) {
        Objects.requireNonNull(container, "container");
        String id = key(container.id());
        String deploymentId = key(container.deploymentId());
        byte[] encoded = checkSize(ValueCodec.encodeContainer(container), "container record");
        containerLock.lock();
        try {
            byte[] previous = containers.put(id, encoded);
            indexAdd(deploymentId, id);
            if (previous != null) {
                String previousDeployment = decodeContainer(id, previous).deploymentId();
                if (!previousDeployment.equals(deploymentId)) {
                    indexRemove(previousDeployment, id);
                }
            }
        } finally {
            containerLock.unlock();
        }
    }

    @Override
    public Optional<ContainerRecord> container(String containerId) {
        byte[] stored = containers.get(key(containerId));
        return stored == null
                ? Optional.empty()
                : Optional.of(decodeContainer(containerId, stored));
    }

    @Override
    public List<ContainerRecord> containersOf(String deploymentId) {
        List<ContainerRecord> result = new ArrayList<>();
        for (String id : containerIndex.getOrDefault(key(deploymentId), Set.of())) {
            container(id).filter(c -> c.deploymentId().equals(deploymentId)).ifPresent(result::add);
        }
        return Collections.unmodifiableList(result);
    }

    @Override
    public List<ContainerRecord> containers() {
        List<ContainerRecord> all = new ArrayList<>();
        containers.forEach((id, stored) -> all.add(decodeContainer(id, stored)));
        return Collections.unmodifiableList(all);
    }

    @Override
    public boolean deleteContainer(String containerId) {
        String id = key(containerId);
        containerLock.lock();
        try {
            byte[] previous = containers.remove(id);
            if (previous == null) {
                return false;
            }
            indexRemove(decodeContainer(id, previous).deploymentId(), id);
            return true;
        } finally {
            containerLock.unlock();
        }
    }

    private ContainerRecord decodeContainer(String id, byte[] stored) {
        try {
            return ValueCodec.decodeContainer(stored);
        } catch (ValueCodec.UndecodableValueException e) {
            throw StoreErrors.undecodable(containers.file(), id, e);
        }
    }

    private void indexAdd(String deploymentId, String containerId) {
        containerIndex
                .computeIfAbsent(deploymentId, d -> ConcurrentHashMap.newKeySet())
                .add(containerId);
    }

    private void indexRemove(String deploymentId, String containerId) {
        containerIndex.computeIfPresent(
                deploymentId,
                (d, ids) -> {
                    ids.remove(containerId);
                    return ids.isEmpty() ? null : ids;
                });
    }

    // --- metrics

    @Override
    public void appendMetrics(MetricsSample sample) {
        metrics.append(Objects.requireNonNull(sample, "sample"));
    }

    @Override
    public List<MetricsSample> metrics(Instant from, Instant to) {
        return Collections.unmodifiableList(
                metrics.range(
                        Objects.requireNonNull(from, "from"), Objects.requireNonNull(to, "to")));
    }

    @Override
    public Duration metricsRetention() {
        return metrics.retention();
    }

    // --- config

    @Override
    public void putConfig(String key, String json) {
        Objects.requireNonNull(json, "json");
        config.put(key(key), checkSize(ValueCodec.encodeString(json), "config entry"));
    }

    @Override
    public Optional<String> config(String key) {
        byte[] stored = config.get(key(key));
        return stored == null ? Optional.empty() : Optional.of(decodeConfig(key, stored));
    }

    @Override
    public Map<String, String> configEntries() {
        Map<String, String> all = new TreeMap<>();
        config.forEach((k, stored) -> all.put(k, decodeConfig(k, stored)));
        return Collections.unmodifiableMap(all);
    }

    @Override
    public boolean deleteConfig(String key) {
        return config.remove(key(key)) != null;
    }

    private String decodeConfig(String key, byte[] stored) {
        try {
            return ValueCodec.decodeString(stored);
        } catch (ValueCodec.UndecodableValueException e) {
            throw StoreErrors.undecodable(config.file(), key, e);
        }
    }

    // --- key-value area

    @Override
    public void put(String key, byte[] value) {
        Objects.requireNonNull(value, "value");
        String k = key(key);
        // key-value values are opaque bytes, stored as given: their layout is fixed by the store
        // format in store.properties rather than by a per-value version byte, which keeps put/get
        // at one copy each (see bench/storage-bench)
        kv.put(k, checkSize(value, "key-value entry"));
        if (!watches.isEmpty()) {
            fire(new KvChange(k, Optional.of(value.clone())));
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        return Optional.ofNullable(kv.get(key(key)));
    }

    @Override
    public boolean delete(String key) {
        String k = key(key);
        if (kv.remove(k) == null) {
            return false;
        }
        fire(new KvChange(k, Optional.empty()));
        return true;
    }

    @Override
    public Map<String, byte[]> scan(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        Map<String, byte[]> found = new TreeMap<>();
        kv.forEach(k -> k.startsWith(prefix), found::put);
        return Collections.unmodifiableMap(found);
    }

    @Override
    public Subscription watch(String prefix, Consumer<KvChange> listener) {
        Watch watch =
                new Watch(
                        Objects.requireNonNull(prefix, "prefix"),
                        Objects.requireNonNull(listener, "listener"));
        watches.add(watch);
        return () -> watches.remove(watch);
    }

    /**
     * Listeners run on the writing thread, after the write; one failing does not stop the others.
     */
    private void fire(KvChange change) {
        for (Watch watch : watches) {
            if (change.key().startsWith(watch.prefix())) {
                try {
                    watch.listener().accept(change);
                } catch (RuntimeException e) {
                    logger.warn(
                            "A node store watcher of prefix '{}' failed on key {}",
                            watch.prefix(),
                            change.key(),
                            e);
                }
            }
        }
    }

    private record Watch(String prefix, Consumer<KvChange> listener) {}

    // --- checks

    private static String key(String key) {
        if (key == null || key.isEmpty()) {
            throw new InvalidArgumentException("A node store key or id must not be empty");
        }
        if (key.length() > 1024) {
            throw new InvalidArgumentException(
                    "A node store key or id must be at most 1024 characters, got "
                            + key.length()
                            + " (starts with "
                            + key.substring(0, 32)
                            + ")");
        }
        return key;
    }

    private byte[] checkSize(byte[] encoded, String what) {
        if (encoded.length > settings.maxValueBytes()) {
            throw new ResourceExhaustedException(
                    "The "
                            + what
                            + " is "
                            + encoded.length
                            + " bytes encoded, more than the node store accepts ("
                            + settings.maxValueBytes()
                            + " bytes, value.max.bytes of "
                            + PID
                            + "). Store less in it, or raise the limit.");
        }
        return encoded;
    }
}
