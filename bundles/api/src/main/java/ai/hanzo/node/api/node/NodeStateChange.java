package ai.hanzo.node.api.node;

import java.time.Instant;

/**
 * One transition of the node lifecycle.
 *
 * @param from the state before
 * @param to the state after
 * @param at when the transition happened
 * @param reason why, in words an operator understands (for example "SIGTERM received")
 */
public record NodeStateChange(NodeState from, NodeState to, Instant at, String reason) {}
