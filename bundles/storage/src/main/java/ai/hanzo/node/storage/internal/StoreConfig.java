package ai.hanzo.node.storage.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the node store, PID {@code ai.hanzo.node.storage}. Entry counts are the initial
 * capacity of each map: a map that gets nearly full is grown (recreated twice as large and
 * migrated) while the node runs, so they are a starting point, not a limit.
 */
@ObjectClassDefinition(
        id = ChronicleNodeStore.PID,
        name = "Hanzo node store",
        description = "Persistent node state on Chronicle Map under <data-dir>/store/")
@interface StoreConfig {
    @AttributeDefinition(
            name = "Deployments",
            description = "Initial capacity of the deployments map")
    int deployments_entries() default 1_000;

    @AttributeDefinition(
            name = "Deployment size",
            description = "Expected average encoded size of a deployment, in bytes")
    int deployments_average_bytes() default 2_048;

    @AttributeDefinition(
            name = "Containers",
            description = "Initial capacity of the containers map")
    int containers_entries() default 10_000;

    @AttributeDefinition(
            name = "Container size",
            description = "Expected average encoded size of a container record, in bytes")
    int containers_average_bytes() default 512;

    @AttributeDefinition(
            name = "Config entries",
            description = "Initial capacity of the config map")
    int config_entries() default 1_000;

    @AttributeDefinition(
            name = "Config entry size",
            description = "Expected average size of a config value (JSON), in bytes")
    int config_average_bytes() default 512;

    @AttributeDefinition(
            name = "KV entries",
            description = "Initial capacity of the key-value area")
    int kv_entries() default 10_000;

    @AttributeDefinition(
            name = "KV value size",
            description = "Expected average size of a key-value value, in bytes")
    int kv_average_bytes() default 256;

    @AttributeDefinition(
            name = "Average key size",
            description = "Expected average key (id) length, in bytes")
    int key_average_bytes() default 40;

    @AttributeDefinition(
            name = "Largest value",
            description =
                    "Largest value accepted, in bytes; larger ones fail with RESOURCE_EXHAUSTED")
    int value_max_bytes() default 1_048_576;

    @AttributeDefinition(
            name = "Metrics retention",
            description = "How long metrics samples are kept, in seconds (default 24 h)")
    long metrics_retention_seconds() default 86_400;

    @AttributeDefinition(
            name = "Grow threshold",
            description = "Grow a map when it holds this percentage of its capacity")
    int grow_threshold_percent() default 75;
}
