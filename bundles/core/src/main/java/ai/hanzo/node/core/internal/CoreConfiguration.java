package ai.hanzo.node.core.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the node core, PID {@code ai.hanzo.node.core} ({@code
 * etc/ai.hanzo.node.core.cfg}).
 */
@ObjectClassDefinition(name = "Hanzo node core", description = "Node lifecycle and shutdown")
@interface CoreConfiguration {
    /**
     * @return how long deployments and other work get to wind down on shutdown
     */
    @AttributeDefinition(description = "Seconds that drain participants get in total on shutdown")
    int drainTimeoutSeconds() default 30;

    /**
     * @return whether SIGTERM/SIGINT trigger a graceful drain and stop
     */
    @AttributeDefinition(
            description = "Handle SIGTERM and SIGINT by draining, then stopping the framework")
    boolean handleSignals() default true;
}
