package ai.hanzo.node.api.compute;

/**
 * CPU and memory amounts in compose syntax (wire message {@code ResourceLimits}).
 *
 * @param cpus CPUs as a decimal, such as {@code "0.5"}, or empty
 * @param memory memory with a unit, such as {@code "512m"} or {@code "2g"}, or empty
 */
public record ResourceLimits(String cpus, String memory) {}
