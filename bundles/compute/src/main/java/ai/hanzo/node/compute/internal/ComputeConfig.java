package ai.hanzo.node.compute.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Settings of PID {@code ai.hanzo.node.compute} ({@code etc/ai.hanzo.node.compute.cfg}). */
@ObjectClassDefinition(name = "Hanzo node compute")
public @interface ComputeConfig {
    /**
     * @return the most replicas one service may ask for
     */
    @AttributeDefinition(description = "The most replicas one service may ask for")
    int max_replicas() default 100;

    /**
     * @return how long a drain lets containers stop before killing them, in seconds
     */
    @AttributeDefinition(description = "Seconds a drain lets containers stop before killing them")
    int drain_grace_seconds() default 30;

    /**
     * @return how often every deployment is reconciled without a cause, in seconds
     */
    @AttributeDefinition(description = "Seconds between full resyncs of every deployment")
    int resync_seconds() default 30;

    /**
     * @return the size at which a process container's log is rotated, in MiB
     */
    @AttributeDefinition(description = "Process runtime: MiB at which a container's log rotates")
    int process_log_max_mb() default 10;

    /**
     * @return rotated log files kept per process container
     */
    @AttributeDefinition(description = "Process runtime: rotated log files kept per container")
    int process_log_files() default 3;
}
