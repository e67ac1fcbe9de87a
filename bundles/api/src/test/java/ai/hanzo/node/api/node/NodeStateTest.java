package ai.hanzo.node.api.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NodeStateTest {
    @Test
    void healthFollowsTheRustNodesMapping() {
        assertEquals(HealthStatus.HEALTHY, NodeState.READY.health());
        assertEquals(HealthStatus.DEGRADED, NodeState.STARTING.health());
        assertEquals(HealthStatus.DEGRADED, NodeState.DRAINING.health());
        assertEquals(HealthStatus.UNHEALTHY, NodeState.STOPPED.health());
    }

    @Test
    void lifecycleOnlyMovesForward() {
        assertTrue(NodeState.STARTING.canMoveTo(NodeState.READY));
        assertTrue(NodeState.STARTING.canMoveTo(NodeState.DRAINING));
        assertTrue(NodeState.READY.canMoveTo(NodeState.DRAINING));
        assertTrue(NodeState.DRAINING.canMoveTo(NodeState.STOPPED));
        assertFalse(NodeState.DRAINING.canMoveTo(NodeState.READY));
        assertFalse(NodeState.STOPPED.canMoveTo(NodeState.STARTING));
        assertFalse(NodeState.READY.canMoveTo(NodeState.READY));
    }

    @Test
    void onlyAReadyNodeAcceptsWork() {
        for (NodeState state : NodeState.values()) {
            assertEquals(state == NodeState.READY, state.acceptsWork(), state.name());
        }
    }
}
