package ai.hanzo.node.inference.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Settings of the inference service (PID {@code ai.hanzo.node.inference}). */
@ObjectClassDefinition(
        name = "Hanzo node inference",
        description = "Model serving: the default model, batching, limits, engine threads.")
public @interface InferenceConfiguration {
    /**
     * @return whether to load the bundled all-minilm-l6-v2 at start (in the background)
     */
    @AttributeDefinition(description = "Load the bundled embedding model at start")
    boolean loadDefaultModel() default true;

    /**
     * @return where the default model is; empty: the jar shipped in the distribution
     */
    @AttributeDefinition(
            description =
                    "URI of the default model's carrier jar; empty: <karaf.home>/models/ or the"
                            + " mvn: artifact")
    String defaultModelUri() default "";

    /**
     * @return padded tokens one batch may hold (TEI: max-batch-tokens)
     */
    @AttributeDefinition(description = "Padded tokens one batch may hold")
    int maxBatchTokens() default 16384;

    /**
     * @return items one batch may hold
     */
    @AttributeDefinition(description = "Items (texts or tensors) one batch may hold")
    int maxBatchSize() default 64;

    /**
     * @return how long a worker may wait for the callers of its previous batch to come back before
     *     it runs a smaller batch; it never waits while as many items are queued as that batch held
     *     (so one caller at a time never waits); 0: never waits
     */
    @AttributeDefinition(
            description =
                    "Milliseconds a worker may wait to gather as many items as its previous batch"
                            + " held (0: never)")
    int maxBatchWaitMillis() default 2;

    /**
     * @return items that may wait per model before requests are refused with RESOURCE_EXHAUSTED
     */
    @AttributeDefinition(description = "Items that may wait per model")
    int queueCapacity() default 1024;

    /**
     * @return texts or tensors one request may carry
     */
    @AttributeDefinition(description = "Texts or items one request may carry")
    int maxRequestItems() default 256;

    /**
     * @return longest text in characters, checked before tokenizing
     */
    @AttributeDefinition(description = "Longest text in characters")
    int maxInputChars() default 100000;

    /**
     * @return whether texts past a model's maximum are cut when the request does not say
     */
    @AttributeDefinition(description = "Cut over-long texts unless the request says otherwise")
    boolean truncateByDefault() default true;

    /**
     * @return threads one model run uses; 0: the engine's default (all cores)
     */
    @AttributeDefinition(description = "Intra-op threads per model run (0: engine default)")
    int intraOpThreads() default 0;

    /**
     * @return threads for independent operators of one run; 0: the engine's default
     */
    @AttributeDefinition(description = "Inter-op threads (0: engine default)")
    int interOpThreads() default 0;

    /**
     * @return whether the engine's idle threads spin between operators (faster by microseconds on
     *     dedicated cores, CPU taken from everything else on shared ones)
     */
    @AttributeDefinition(description = "Let idle engine threads spin (ONNX Runtime)")
    boolean intraOpSpinning() default false;

    /**
     * Two by default: with one, the cores idle at every barrier between the engine's operators and
     * while the worker answers its batch's callers, and other processes take that time; a second
     * worker runs the next batch meanwhile (bench/inference-bench/README.md has the figures).
     *
     * @return batch worker threads per model
     */
    @AttributeDefinition(description = "Batch worker threads per model (batches run at once)")
    int workersPerModel() default 2;

    /**
     * @return memory all loaded models may hold together, in MiB
     */
    @AttributeDefinition(description = "Memory budget for loaded models, MiB")
    int modelMemoryBudgetMb() default 4096;
}
