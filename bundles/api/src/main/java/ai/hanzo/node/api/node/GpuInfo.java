package ai.hanzo.node.api.node;

/**
 * One accelerator device of the node (wire message {@code GpuInfo}).
 *
 * @param model the device model, for example "NVIDIA A100-SXM4-80GB"
 * @param memoryBytes device memory in bytes
 * @param driverVersion the driver version, or empty
 */
public record GpuInfo(String model, long memoryBytes, String driverVersion) {}
