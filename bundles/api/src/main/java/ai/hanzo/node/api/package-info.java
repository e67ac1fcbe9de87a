/**
 * Types shared by every area of the node API: the error hierarchy (each error carries an {@link
 * ai.hanzo.node.api.ErrorCode} that maps one-to-one to a gRPC status code), {@link
 * ai.hanzo.node.api.Availability} and {@link ai.hanzo.node.api.Subscription}.
 */
@Export
@Version("1.0.0")
package ai.hanzo.node.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
