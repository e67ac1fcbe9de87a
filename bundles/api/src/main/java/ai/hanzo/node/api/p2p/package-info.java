/**
 * The node's peer-to-peer network (libp2p): peers, publish/subscribe topics, content routing, and
 * the directory of the other Hanzo nodes seen on the network.
 */
@Export
@Version("1.2.0")
package ai.hanzo.node.api.p2p;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
