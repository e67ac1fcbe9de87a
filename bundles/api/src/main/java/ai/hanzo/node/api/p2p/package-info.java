/**
 * The node's peer-to-peer network (libp2p): peers, publish/subscribe topics and content routing.
 */
@Export
@Version("1.0.0")
package ai.hanzo.node.api.p2p;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
