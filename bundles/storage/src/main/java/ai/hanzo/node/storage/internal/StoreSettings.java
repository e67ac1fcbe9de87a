package ai.hanzo.node.storage.internal;

import ai.hanzo.node.api.InvalidArgumentException;
import java.time.Duration;

/**
 * The validated store configuration.
 *
 * @param deploymentEntries initial capacity of the deployments map
 * @param deploymentAverageBytes expected average encoded deployment size
 * @param containerEntries initial capacity of the containers map (and of the index)
 * @param containerAverageBytes expected average encoded container size
 * @param configEntries initial capacity of the config map
 * @param configAverageBytes expected average config value size
 * @param kvEntries initial capacity of the key-value area
 * @param kvAverageBytes expected average key-value value size
 * @param keyAverageBytes expected average key length
 * @param maxValueBytes the largest value accepted
 * @param metricsRetention how long metrics samples are kept
 * @param growThresholdPercent the fill percentage at which a map is grown
 */
record StoreSettings(
        int deploymentEntries,
        int deploymentAverageBytes,
        int containerEntries,
        int containerAverageBytes,
        int configEntries,
        int configAverageBytes,
        int kvEntries,
        int kvAverageBytes,
        int keyAverageBytes,
        int maxValueBytes,
        Duration metricsRetention,
        int growThresholdPercent) {

    StoreSettings {
        positive("deployments.entries", deploymentEntries);
        positive("deployments.average.bytes", deploymentAverageBytes);
        positive("containers.entries", containerEntries);
        positive("containers.average.bytes", containerAverageBytes);
        positive("config.entries", configEntries);
        positive("config.average.bytes", configAverageBytes);
        positive("kv.entries", kvEntries);
        positive("kv.average.bytes", kvAverageBytes);
        positive("key.average.bytes", keyAverageBytes);
        positive("value.max.bytes", maxValueBytes);
        if (metricsRetention.getSeconds() < 60) {
            throw new InvalidArgumentException(
                    "ai.hanzo.node.storage: metrics.retention.seconds must be at least 60, got "
                            + metricsRetention.getSeconds());
        }
        if (growThresholdPercent < 10 || growThresholdPercent > 95) {
            throw new InvalidArgumentException(
                    "ai.hanzo.node.storage: grow.threshold.percent must be 10..95, got "
                            + growThresholdPercent);
        }
    }

    /**
     * @return the defaults of {@link StoreConfig}
     */
    static StoreSettings defaults() {
        return new StoreSettings(
                1_000,
                2_048,
                10_000,
                512,
                1_000,
                512,
                10_000,
                256,
                40,
                1_048_576,
                Duration.ofHours(24),
                75);
    }

    static StoreSettings from(StoreConfig c) {
        return new StoreSettings(
                c.deployments_entries(),
                c.deployments_average_bytes(),
                c.containers_entries(),
                c.containers_average_bytes(),
                c.config_entries(),
                c.config_average_bytes(),
                c.kv_entries(),
                c.kv_average_bytes(),
                c.key_average_bytes(),
                c.value_max_bytes(),
                Duration.ofSeconds(c.metrics_retention_seconds()),
                c.grow_threshold_percent());
    }

    StoreSettings withKv(int entries, int averageBytes) {
        return new StoreSettings(
                deploymentEntries,
                deploymentAverageBytes,
                containerEntries,
                containerAverageBytes,
                configEntries,
                configAverageBytes,
                entries,
                averageBytes,
                keyAverageBytes,
                maxValueBytes,
                metricsRetention,
                growThresholdPercent);
    }

    StoreSettings withMetricsRetention(Duration retention) {
        return new StoreSettings(
                deploymentEntries,
                deploymentAverageBytes,
                containerEntries,
                containerAverageBytes,
                configEntries,
                configAverageBytes,
                kvEntries,
                kvAverageBytes,
                keyAverageBytes,
                maxValueBytes,
                retention,
                growThresholdPercent);
    }

    StoreSettings withMaxValueBytes(int max) {
        return new StoreSettings(
                deploymentEntries,
                deploymentAverageBytes,
                containerEntries,
                containerAverageBytes,
                configEntries,
                configAverageBytes,
                kvEntries,
                kvAverageBytes,
                keyAverageBytes,
                max,
                metricsRetention,
                growThresholdPercent);
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw new InvalidArgumentException(
                    "ai.hanzo.node.storage: " + key + " must be positive, got " + value);
        }
    }
}
