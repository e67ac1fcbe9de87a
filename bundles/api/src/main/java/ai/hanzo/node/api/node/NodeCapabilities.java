package ai.hanzo.node.api.node;

import java.util.List;

/**
 * What the node offers to the network (wire message {@code NodeCapabilities}, plus the models and
 * engines the Java node adds). Runtimes and engines that come and go change it at once.
 *
 * @param cpuCores logical CPU cores
 * @param memoryBytes total memory in bytes
 * @param diskBytes total disk of the data directory's file system in bytes
 * @param gpus accelerator devices
 * @param mlxEnabled whether the MLX accelerator is available
 * @param runtimes names of the container runtimes that passed their self-test
 * @param engines names of the inference engines that passed their self-test
 * @param models ids of the models loaded and serving
 * @param region the operator's region label, or empty
 * @param zone the operator's zone label, or empty
 */
public record NodeCapabilities(
        long cpuCores,
        long memoryBytes,
        long diskBytes,
        List<GpuInfo> gpus,
        boolean mlxEnabled,
        List<String> runtimes,
        List<String> engines,
        List<String> models,
        String region,
        String zone) {
    /** Copies the lists so the value is immutable. */
    public NodeCapabilities {
        gpus = List.copyOf(gpus);
        runtimes = List.copyOf(runtimes);
        engines = List.copyOf(engines);
        models = List.copyOf(models);
    }
}
