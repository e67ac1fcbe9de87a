/**
 * Deployments: the compose-style specification model, the deployment state machine and the {@link
 * ai.hanzo.node.api.compute.Orchestrator} that keeps deployments at their desired state.
 */
@Export
@Version("1.0.0")
package ai.hanzo.node.api.compute;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
