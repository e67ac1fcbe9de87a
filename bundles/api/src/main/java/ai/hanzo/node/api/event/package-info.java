/**
 * The node's event stream: what happened to the node, its deployments, containers, models and
 * peers.
 */
@Export
@Version("1.0.0")
package ai.hanzo.node.api.event;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
