package ai.hanzo.node.api.compute;

/**
 * A compose network (wire message {@code NetworkSpec}).
 *
 * @param driver the network driver, or empty for the runtime's default
 * @param external whether the network exists outside the deployment and must not be created
 */
public record NetworkSpec(String driver, boolean external) {}
