package ai.hanzo.node.api.node;

import ai.hanzo.node.api.Subscription;
import java.time.Duration;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node itself, as a service: its identity, lifecycle state and health. Provided by the node's
 * core bundle; everything that must know whether the node accepts work asks it here.
 */
@ProviderType
public interface NodeLifecycle {
    /**
     * @return who this node is
     */
    NodeInfo info();

    /**
     * @return the current lifecycle state
     */
    NodeState state();

    /**
     * @return how long this process has been running
     */
    Duration uptime();

    /**
     * @return the node's health: the lifecycle state's health combined with every registered {@link
     *     HealthIndicator}
     */
    HealthReport health();

    /**
     * Drains the node: refuses new work, asks every {@link DrainParticipant} to wind down, then
     * moves to {@link NodeState#STOPPED}. Returns when draining is done or {@code timeout} passed.
     * Calling it again while draining waits for the same drain.
     *
     * @param reason why, for the log and the event stream
     * @param timeout how long participants get in total
     */
    void drain(String reason, Duration timeout);

    /**
     * @param listener called on each state change, on a node thread; must not block
     * @return the registration; close it to stop listening
     */
    Subscription onStateChange(Consumer<NodeStateChange> listener);
}
