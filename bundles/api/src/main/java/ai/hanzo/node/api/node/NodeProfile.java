package ai.hanzo.node.api.node;

import ai.hanzo.node.api.Subscription;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's own capabilities and current resource use, measured in one place: the gRPC status and
 * metrics RPCs, the P2P heartbeat and the Prometheus endpoint all read this service, so they never
 * disagree. Provided by the node's core bundle.
 *
 * <p>Capabilities come from the container runtimes and inference engines whose self-test passes
 * (self-tests run in parallel, each with a deadline, off the caller's thread: one hung plugin never
 * stalls the others or a reader), the models loaded, the operator's declared capabilities, and the
 * machine's CPU, memory, disk and GPU inventory. Every read method answers from what was last
 * measured and never blocks on a plugin.
 */
@ProviderType
public interface NodeProfile {
    /**
     * @return what the node offers now
     */
    NodeCapabilities capabilities();

    /**
     * @return the capabilities as the tags announced to the network: {@code runtime:<name>} and
     *     {@code engine:<name>} for each plugin that passed its self-test, {@code model:<id>} for
     *     each model serving, plus the operator's declared ones
     */
    Set<String> capabilityTags();

    /**
     * @return the latest self-test of every runtime and engine bound now
     */
    List<SelfTestResult> selfTests();

    /**
     * @return the node's resource use, measured at most about a second ago
     */
    NodeMetrics metrics();

    /**
     * Runs every self-test again now (also done periodically and whenever a plugin comes or goes).
     * While the node is {@link NodeState#STARTING} no self-test runs: the first round runs once it
     * is READY, and until then a plugin has no result and is no capability.
     *
     * @return the capabilities once every self-test answered or ran out of time
     */
    CompletableFuture<NodeCapabilities> refresh();

    /**
     * @param listener called with the new capabilities whenever they change, on a node thread; must
     *     not block
     * @return the registration; close it to stop listening
     */
    Subscription onCapabilitiesChange(Consumer<NodeCapabilities> listener);
}
