/**
 * Persistent node state: deployments, containers, metrics history, configuration entries and a
 * key-value area with change listeners.
 */
@Export
@Version("1.1.0")
package ai.hanzo.node.api.store;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
