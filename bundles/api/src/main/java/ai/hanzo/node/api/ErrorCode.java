package ai.hanzo.node.api;

/**
 * What kind of failure a {@link NodeException} reports. Each constant has the name of the gRPC
 * status code it maps to, so that every layer (gRPC, HTTP, shell) reports a failure the same way.
 */
public enum ErrorCode {
    /** The caller gave a malformed or unacceptable value; retrying the same call fails again. */
    INVALID_ARGUMENT,
    /** The named resource (deployment, container, model, peer, key) does not exist. */
    NOT_FOUND,
    /** A resource with the same identity exists already. */
    ALREADY_EXISTS,
    /** The resource or node is not in a state that allows the operation (for example, draining). */
    FAILED_PRECONDITION,
    /** The operation did not finish within its deadline. */
    DEADLINE_EXCEEDED,
    /** A limit was reached: store capacity, value size, connection or stream limits. */
    RESOURCE_EXHAUSTED,
    /** The caller is known but lacks the permission the operation needs. */
    PERMISSION_DENIED,
    /** The caller did not present valid credentials. */
    UNAUTHENTICATED,
    /**
     * A dependency (runtime, engine, chain endpoint, peer) cannot be reached right now; retry
     * later.
     */
    UNAVAILABLE,
    /** The node cannot do this at all (for example a runtime feature a plugin does not offer). */
    UNIMPLEMENTED,
    /** A failure inside the node; the message says what failed. */
    INTERNAL
}
