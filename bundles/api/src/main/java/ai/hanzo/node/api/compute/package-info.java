/**
 * Deployments: the compose-style specification model, the deployment state machine and the {@link
 * ai.hanzo.node.api.compute.Orchestrator} that keeps deployments at their desired state. Version
 * 2.0.0 moved streams to {@link ai.hanzo.node.api.runtime.StreamSink}, made exec a session, chose
 * the runtime by the {@code hanzo.runtime} label only, and added the compose fields depends_on,
 * working_dir, user, stop_signal, stop_grace_period, devices and labels. 2.1.0 added the restart
 * count to {@link ai.hanzo.node.api.compute.ContainerRecord}.
 */
@Export
@Version("2.1.0")
package ai.hanzo.node.api.compute;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
