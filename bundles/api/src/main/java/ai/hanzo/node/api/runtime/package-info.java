/**
 * The container runtime SPI: implement {@link ai.hanzo.node.api.runtime.ContainerRuntime} and
 * register it as an OSGi service to add a way of running workloads to a live node. Version 2.0.0
 * gave streams an end, an error and back-pressure ({@link ai.hanzo.node.api.runtime.StreamSink}),
 * made exec a session, and added images, container events, health and unenforceable limits.
 */
@Export
@Version("2.0.0")
package ai.hanzo.node.api.runtime;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
