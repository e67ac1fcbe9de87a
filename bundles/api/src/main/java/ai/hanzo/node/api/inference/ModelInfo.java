package ai.hanzo.node.api.inference;

import java.time.Instant;

/**
 * A model the node serves.
 *
 * @param modelId its id
 * @param format its format
 * @param engine the engine it is loaded on
 * @param device the device it runs on
 * @param loadedAt when it was loaded
 */
public record ModelInfo(
        String modelId, ModelFormat format, String engine, Device device, Instant loadedAt) {}
