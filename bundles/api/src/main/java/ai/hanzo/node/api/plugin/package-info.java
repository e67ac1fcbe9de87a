/**
 * Plugins: bundles that add container runtimes or inference engines to a running node. The node's
 * plugin extender reads each plugin's descriptor (manifest headers), follows its state and keeps
 * the calls into it off the node's own threads and within deadlines.
 */
@Export
@Version("1.1.0")
package ai.hanzo.node.api.plugin;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
