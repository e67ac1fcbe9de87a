/** The Chronicle Map implementation of the node store. Exports nothing. */
package ai.hanzo.node.storage.internal;
