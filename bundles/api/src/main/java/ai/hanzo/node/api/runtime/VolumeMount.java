package ai.hanzo.node.api.runtime;

/**
 * A mount into a container.
 *
 * @param source a named volume, or an absolute host path for a bind mount
 * @param target the path inside the container
 * @param readOnly whether the mount is read-only
 */
public record VolumeMount(String source, String target, boolean readOnly) {}
