/** A container runtime plugin for the Hanzo node that runs OCI bundles with runc. */
package ai.hanzo.example.runc;
