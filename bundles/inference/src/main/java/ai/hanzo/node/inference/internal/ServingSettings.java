package ai.hanzo.node.inference.internal;

import java.time.Duration;

/**
 * The inference service's settings as values (from {@link InferenceConfiguration}).
 *
 * @param batch the batching settings every model gets
 * @param maxRequestItems texts or items one request may carry
 * @param maxInputChars longest text in characters
 * @param truncateByDefault whether over-long texts are cut when the request does not say
 * @param intraOpThreads engine threads per run (0: engine default)
 * @param interOpThreads engine inter-op threads (0: engine default)
 * @param intraOpSpinning whether idle engine threads spin instead of sleeping
 * @param memoryBudgetBytes memory all loaded models may hold together
 */
record ServingSettings(
        DynamicBatcher.Settings batch,
        int maxRequestItems,
        int maxInputChars,
        boolean truncateByDefault,
        int intraOpThreads,
        int interOpThreads,
        boolean intraOpSpinning,
        long memoryBudgetBytes) {

    static ServingSettings from(InferenceConfiguration config) {
        return new ServingSettings(
                new DynamicBatcher.Settings(
                        config.maxBatchTokens(),
                        config.maxBatchSize(),
                        Duration.ofMillis(Math.max(0, config.maxBatchWaitMillis())),
                        config.queueCapacity(),
                        config.workersPerModel()),
                config.maxRequestItems(),
                config.maxInputChars(),
                config.truncateByDefault(),
                config.intraOpThreads(),
                config.interOpThreads(),
                config.intraOpSpinning(),
                config.modelMemoryBudgetMb() * 1024L * 1024L);
    }

    /** The defaults of {@link InferenceConfiguration}. */
    static ServingSettings defaults() {
        return new ServingSettings(
                new DynamicBatcher.Settings(16384, 64, Duration.ofMillis(2), 1024, 2),
                256,
                100000,
                true,
                0,
                0,
                false,
                4096L * 1024 * 1024);
    }
}
