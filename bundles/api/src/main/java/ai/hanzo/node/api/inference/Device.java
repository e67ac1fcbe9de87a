package ai.hanzo.node.api.inference;

/**
 * A device an engine can run models on.
 *
 * @param kind {@code cpu}, {@code gpu} or {@code mlx}
 * @param index the device index among devices of its kind
 * @param name a human-readable name, such as the GPU model
 * @param memoryBytes device memory, 0 when shared with the host
 */
public record Device(String kind, int index, String name, long memoryBytes) {
    /**
     * @return the host CPU
     */
    public static Device cpu() {
        return new Device("cpu", 0, "cpu", 0);
    }
}
