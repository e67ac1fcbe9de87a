package ai.hanzo.node.api.runtime;

/**
 * Progress of an image pull, one report per layer change.
 *
 * @param layer the layer (or other item) the report is about, or empty for the whole image
 * @param status the registry's status text, such as "Downloading" or "Pull complete"
 * @param currentBytes bytes done for this layer, 0 when unknown
 * @param totalBytes the layer's size, 0 when unknown
 */
public record PullProgress(String layer, String status, long currentBytes, long totalBytes) {}
