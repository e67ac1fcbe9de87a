/** The built-in process runtime: services run as local processes. */
package ai.hanzo.node.compute.internal.process;
