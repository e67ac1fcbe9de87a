/**
 * The {@code hanzo:*} Karaf shell commands. Karaf's shell extender instantiates these actions for
 * each call and injects their {@code @Reference} fields (Karaf's own injection, not Declarative
 * Services), so the commands read the node's api services as they are at that moment.
 */
package ai.hanzo.node.shell.internal;
