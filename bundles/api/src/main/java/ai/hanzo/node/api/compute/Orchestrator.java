package ai.hanzo.node.api.compute;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.runtime.ExecOutput;
import ai.hanzo.node.api.runtime.ExecSession;
import ai.hanzo.node.api.runtime.ExecSpec;
import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.StreamSink;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Keeps deployments at their desired state on the node's container runtimes. Deploy, start, stop,
 * remove and scale validate, record the desired state in the node store and return; a reconciler
 * drives the containers there and reports every state change as a {@link
 * ai.hanzo.node.api.event.NodeEvent} ({@code deployment.state}, {@code container}).
 *
 * <p>Failures are {@link ai.hanzo.node.api.NodeException}s whose message names the offending field:
 * unknown id {@code NOT_FOUND}, duplicate id {@code ALREADY_EXISTS}, a draining node or a wrong
 * state {@code FAILED_PRECONDITION}, a bad spec or an unknown runtime {@code INVALID_ARGUMENT}. A
 * refused request leaves nothing behind.
 */
@ProviderType
public interface Orchestrator {
    /**
     * Validates and records a deployment; returns once it is stored (it survives a crash from then
     * on), before its containers run.
     *
     * @param request what to deploy
     * @return the accepted deployment's id and endpoints
     */
    DeploymentResult deploy(DeploymentRequest request);

    /**
     * Starts a stopped or failed deployment again.
     *
     * @param deploymentId the deployment
     */
    void start(String deploymentId);

    /**
     * Stops a deployment's containers, keeping the deployment; returns once the stop is recorded.
     *
     * @param deploymentId the deployment
     * @param force kill at once instead of stopping gracefully
     */
    void stop(String deploymentId, boolean force);

    /**
     * Removes a deployment and its containers; returns once the removal is recorded (the deployment
     * is {@link DeploymentState#REMOVING} until its containers are gone).
     *
     * @param deploymentId the deployment
     * @param removeVolumes also remove its named volumes
     */
    void remove(String deploymentId, boolean removeVolumes);

    /**
     * @param deploymentId the deployment
     * @param service the service to scale
     * @param replicas the new desired count
     * @return the count before and after
     */
    ScaleResult scale(String deploymentId, String service, int replicas);

    /**
     * @param deploymentId the deployment
     * @return the deployment as recorded, if known
     */
    Optional<Deployment> deployment(String deploymentId);

    /**
     * @param deploymentId the deployment
     * @return its status now, if known
     */
    Optional<DeploymentStatus> status(String deploymentId);

    /**
     * @return the status of every known deployment
     */
    List<DeploymentStatus> statuses();

    /**
     * @return the runtimes known to the node, available or not
     */
    List<RuntimeInfo> runtimes();

    /**
     * Streams a deployment's logs: the selected lines of each of its containers (in order per
     * container), then, with {@code follow}, new lines of its current and future containers until
     * closed or the deployment is removed.
     *
     * @param query which lines
     * @param sink receives the lines; blocking in it slows the stream down
     * @return the stream; close it to stop
     */
    Subscription logs(LogQuery query, StreamSink<LogLine> sink);

    /**
     * @param all include stopped containers
     * @param labelFilters only containers carrying all of these labels
     * @return the node's containers, over all runtimes
     */
    List<ContainerStatus> containers(boolean all, Map<String, String> labelFilters);

    /**
     * @param containerId the container
     * @return its current status
     */
    ContainerStatus inspect(String containerId);

    /**
     * Runs a command in one of the node's running containers, on its runtime.
     *
     * @param containerId the container
     * @param spec the command
     * @param output receives what it writes; completed after the exit code is known
     * @return the session, for standard input, terminal size and the exit code
     */
    ExecSession exec(String containerId, ExecSpec spec, StreamSink<ExecOutput> output);
}
