package ai.hanzo.node.api.runtime;

import ai.hanzo.node.api.node.GpuInfo;
import java.util.List;

/**
 * What a runtime adds to the node's advertised capabilities while it is available (besides {@code
 * runtime:<name>}, which the node adds itself).
 *
 * @param capabilities capability strings, such as {@code gpu:nvidia} or {@code arch:amd64}
 * @param gpus the accelerator devices the runtime can give containers
 */
public record RuntimeCapabilities(List<String> capabilities, List<GpuInfo> gpus) {
    /** Copies the lists so the value is immutable. */
    public RuntimeCapabilities {
        capabilities = List.copyOf(capabilities);
        gpus = List.copyOf(gpus);
    }

    /**
     * @return capabilities that add nothing
     */
    public static RuntimeCapabilities none() {
        return new RuntimeCapabilities(List.of(), List.of());
    }
}
