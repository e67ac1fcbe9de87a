/**
 * The node itself: identity, lifecycle state, health, capabilities and resource metrics; the SPIs
 * through which other bundles take part in draining and health.
 */
@Export
@Version("1.2.0")
package ai.hanzo.node.api.node;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
