package ai.hanzo.node.api.compute;

/**
 * What a scale changed (wire message {@code ScaleResponse}).
 *
 * @param previousReplicas the desired replicas before
 * @param currentReplicas the desired replicas now
 */
public record ScaleResult(int previousReplicas, int currentReplicas) {}
