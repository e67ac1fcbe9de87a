/**
 * Reads float tensors from safetensors files (an 8-byte little-endian header length, a JSON header
 * naming each tensor's dtype, shape and byte range, then the raw data). The library bundle of the
 * linear engine plugin, exported to the plugin bundle beside it in the same KAR.
 */
@Version("1.0.0")
package ai.hanzo.example.safetensors;

import org.osgi.annotation.versioning.Version;
