/** The node's operator registration and stake on the Lux chain. */
@Export
@Version("1.0.0")
package ai.hanzo.node.api.chain;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
