/**
 * Model inference: the {@link ai.hanzo.node.api.inference.InferenceService} the node offers and the
 * {@link ai.hanzo.node.api.inference.InferenceEngine} SPI through which plugins add engines and
 * accelerators.
 */
@Export
@Version("2.0.0")
package ai.hanzo.node.api.inference;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
