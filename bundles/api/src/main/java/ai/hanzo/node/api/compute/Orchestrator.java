package ai.hanzo.node.api.compute;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.runtime.ExecListener;
import ai.hanzo.node.api.runtime.ExecSession;
import ai.hanzo.node.api.runtime.ExecSpec;
import ai.hanzo.node.api.runtime.LogLine;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Keeps deployments at their desired state on the node's container runtimes. Deploy, stop, remove
 * and scale record the desired state and return; a reconciler drives the containers there and
 * reports progress as {@link ai.hanzo.node.api.event.NodeEvent}s. Failures are {@link
 * ai.hanzo.node.api.NodeException}s: unknown id {@code NOT_FOUND}, duplicate id {@code
 * ALREADY_EXISTS}, a draining node or wrong state {@code FAILED_PRECONDITION}, a bad spec {@code
 * INVALID_ARGUMENT}.
 */
@ProviderType
public interface Orchestrator {
    /**
     * @param request what to deploy
     * @return the accepted deployment's id and endpoints
     */
    DeploymentResult deploy(DeploymentRequest request);

    /**
     * @param deploymentId the deployment
     * @param force kill at once instead of stopping gracefully
     */
    void stop(String deploymentId, boolean force);

    /**
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
     * @return the deployment, if known
     */
    Optional<Deployment> deployment(String deploymentId);

    /**
     * @return the status of every known deployment
     */
    List<DeploymentStatus> statuses();

    /**
     * @param query which lines
     * @param sink called for each line, in order per container; not called after close
     * @return the stream; it ends by itself when not following
     */
    Subscription logs(LogQuery query, Consumer<LogLine> sink);

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
     * @param containerId the container to run a command in
     * @param spec the command
     * @param listener receives output and the exit code
     * @return the session, to write standard input to
     */
    ExecSession exec(String containerId, ExecSpec spec, ExecListener listener);
}
