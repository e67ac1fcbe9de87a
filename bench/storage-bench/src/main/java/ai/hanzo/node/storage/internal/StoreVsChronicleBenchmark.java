package ai.hanzo.node.storage.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The key-value area of the node store against a raw Chronicle Map with the same sizing and the
 * same data, in one run: {@code impl=store} goes through {@link ChronicleNodeStore} (key checks,
 * the schema-version byte, the growth read lock, watchers), {@code impl=raw} calls the map directly.
 * Lives in the store's package because the store's constructor is not public API.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class StoreVsChronicleBenchmark {
    static final int KEYS = 10_000;
    static final int VALUE_BYTES = 256;
    /** Keys "k0".."k9999"; a scan of "k12" matches 111 keys of them. */
    static final String SCAN_PREFIX = "k12";

    @Param({"store", "raw"})
    public String impl;

    private Path dir;
    private ChronicleNodeStore store;
    private ChronicleMap<String, byte[]> raw;
    private final byte[] value = new byte[VALUE_BYTES];
    private final SplittableRandom random = new SplittableRandom(42);

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("storage-bench");
        StoreSettings settings = StoreSettings.defaults().withKv(KEYS * 2, VALUE_BYTES);
        if (impl.equals("store")) {
            store = new ChronicleNodeStore(dir.resolve("store"), settings, Clock.systemUTC(), false, null);
        } else {
            raw = ChronicleMapBuilder.of(String.class, byte[].class).name("kv").entries(KEYS * 2)
                    .averageKeySize(settings.keyAverageBytes()).averageValueSize(VALUE_BYTES).maxBloatFactor(2.0)
                    .createPersistedTo(dir.resolve("raw.cm3").toFile());
        }
        for (int i = 0; i < KEYS; i++) {
            put("k" + i);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        if (store != null) {
            store.close();
        }
        if (raw != null) {
            raw.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    private void put(String key) {
        if (store != null) {
            store.put(key, value);
        } else {
            raw.put(key, value);
        }
    }

    private String randomKey() {
        return "k" + random.nextInt(KEYS);
    }

    @Benchmark
    public void put() {
        put(randomKey());
    }

    @Benchmark
    public Object get() {
        String key = randomKey();
        return store != null ? store.get(key) : raw.get(key);
    }

    @Benchmark
    public Map<String, byte[]> scan() {
        if (store != null) {
            return store.scan(SCAN_PREFIX);
        }
        Map<String, byte[]> found = new TreeMap<>();
        raw.forEach((k, v) -> {
            if (k.startsWith(SCAN_PREFIX)) {
                found.put(k, v.clone());
            }
        });
        return found;
    }
}
