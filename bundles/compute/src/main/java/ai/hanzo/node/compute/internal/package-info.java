/** The orchestrator and the process runtime; nothing here is exported. */
package ai.hanzo.node.compute.internal;
