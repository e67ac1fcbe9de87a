package ai.hanzo.node.api.store;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.compute.ContainerRecord;
import ai.hanzo.node.api.compute.Deployment;
import ai.hanzo.node.api.node.MetricsSample;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's persistent state, kept in the data directory. A write has reached the store's files
 * when the method returns, and survives a crash of the process from then on. Safe for concurrent
 * use. Failures are {@link ai.hanzo.node.api.NodeException}s: a value too large for the store is
 * {@code RESOURCE_EXHAUSTED}, a damaged store file is {@code FAILED_PRECONDITION} naming the file.
 */
@ProviderType
public interface NodeStore {
    // --- deployments, keyed by deployment id

    /**
     * @param deployment the deployment to store, replacing the one with the same id
     */
    void putDeployment(Deployment deployment);

    /**
     * @param deploymentId the id
     * @return the stored deployment, if any
     */
    Optional<Deployment> deployment(String deploymentId);

    /**
     * @return every stored deployment, in no particular order
     */
    List<Deployment> deployments();

    /**
     * @param deploymentId the id
     * @return whether a deployment was removed
     */
    boolean deleteDeployment(String deploymentId);

    // --- containers, keyed by container id, indexed by deployment id

    /**
     * @param container the container to store, replacing the one with the same id
     */
    void putContainer(ContainerRecord container);

    /**
     * @param containerId the id
     * @return the stored container, if any
     */
    Optional<ContainerRecord> container(String containerId);

    /**
     * Answered from an index, not by scanning every container.
     *
     * @param deploymentId the deployment
     * @return the deployment's containers
     */
    List<ContainerRecord> containersOf(String deploymentId);

    /**
     * @return every stored container
     */
    List<ContainerRecord> containers();

    /**
     * @param containerId the id
     * @return whether a container was removed
     */
    boolean deleteContainer(String containerId);

    // --- metrics history, keyed by time (second precision), pruned to a retention window

    /**
     * @param sample the sample to append; a second sample in the same second replaces the first; a
     *     sample already older than the retention window is dropped
     */
    void appendMetrics(MetricsSample sample);

    /**
     * @param from the start, inclusive
     * @param to the end, inclusive
     * @return the samples in the range that are still retained, oldest first
     */
    List<MetricsSample> metrics(Instant from, Instant to);

    /**
     * @return how long metrics samples are kept
     */
    Duration metricsRetention();

    // --- configuration entries: string keys, JSON values

    /**
     * @param key the entry's name
     * @param json the value, a JSON document
     */
    void putConfig(String key, String json);

    /**
     * @param key the entry's name
     * @return the JSON value, if any
     */
    Optional<String> config(String key);

    /**
     * @return every configuration entry
     */
    Map<String, String> configEntries();

    /**
     * @param key the entry's name
     * @return whether an entry was removed
     */
    boolean deleteConfig(String key);

    // --- generic key-value area with change listeners

    /**
     * @param key the key
     * @param value the value; replaces any previous one
     */
    void put(String key, byte[] value);

    /**
     * @param key the key
     * @return the value, if any
     */
    Optional<byte[]> get(String key);

    /**
     * @param key the key
     * @return whether the key existed (listeners fire only then)
     */
    boolean delete(String key);

    /**
     * @param prefix a key prefix, or empty for all
     * @return the entries whose keys start with {@code prefix}, sorted by key
     */
    Map<String, byte[]> scan(String prefix);

    /**
     * @param prefix a key prefix, or empty for all keys
     * @param listener called after each put, and after each delete of an existing key, whose key
     *     starts with {@code prefix}; it runs on the writing thread once the write is stored, so it
     *     must return quickly (hand slow work to another thread); an exception it throws is logged
     *     and does not affect the write or other listeners
     * @return the registration; close it to stop listening
     */
    Subscription watch(String prefix, Consumer<KvChange> listener);
}
