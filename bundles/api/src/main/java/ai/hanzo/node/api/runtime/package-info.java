/**
 * The container runtime SPI: implement {@link ai.hanzo.node.api.runtime.ContainerRuntime} and
 * register it as an OSGi service to add a way of running workloads to a live node.
 */
@Export
@Version("1.0.0")
package ai.hanzo.node.api.runtime;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
