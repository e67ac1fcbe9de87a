package ai.hanzo.node.itests.osgi;

/** A service the test framework's node waits for before READY ({@code hanzo.ready.requires}). */
public interface ReadinessGate {}
