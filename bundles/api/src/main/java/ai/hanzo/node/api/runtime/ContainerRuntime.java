package ai.hanzo.node.api.runtime;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A way of running containers: the SPI a plugin implements to add a runtime to a live node.
 *
 * <p>Register an implementation as an OSGi service (with the service property {@value
 * #NAME_PROPERTY} set to {@link #name()}); the node picks it up at once, runs its {@link
 * #selfTest()}, advertises it in the node's capabilities and places deployments on it. When the
 * service goes away, deployments on it are marked failed with a reason.
 *
 * <p>Every container the node creates carries the labels of its {@link ContainerSpec}; a runtime
 * must keep them and report them back, since the node recognises its containers by them. Failures
 * are {@link ai.hanzo.node.api.NodeException}s: an unknown container is {@code NOT_FOUND}, an
 * unreachable engine {@code UNAVAILABLE}, a bad spec {@code INVALID_ARGUMENT}.
 */
@ConsumerType
public interface ContainerRuntime {
    /** The service property that carries the runtime's name. */
    String NAME_PROPERTY = "hanzo.runtime.name";

    /**
     * @return the runtime's unique name, such as {@code docker} or {@code process}
     */
    String name();

    /**
     * Checks that the runtime can run containers on this machine (engine reachable, binaries
     * present). Called when the runtime appears and periodically after; must return within a few
     * seconds.
     *
     * @return whether the runtime can be used, and why not
     */
    Availability selfTest();

    /**
     * @param spec the container to create
     * @return the new container's id
     */
    String create(ContainerSpec spec);

    /**
     * @param containerId a created or stopped container to start
     */
    void start(String containerId);

    /**
     * Stops a container: a polite signal first, a kill after {@code grace}.
     *
     * @param containerId the container
     * @param grace how long to wait before killing; zero kills at once
     */
    void stop(String containerId, Duration grace);

    /**
     * @param containerId the container
     * @param force remove it even if running
     */
    void remove(String containerId, boolean force);

    /**
     * @param containerId the container
     * @return its status
     */
    ContainerStatus inspect(String containerId);

    /**
     * @param labelFilters only containers carrying all of these labels
     * @return the runtime's containers, running or not
     */
    List<ContainerStatus> list(Map<String, String> labelFilters);

    /**
     * @param containerId the container
     * @param options which lines
     * @param sink called for each line, in order
     * @return the stream; close it to stop following
     */
    Subscription logs(String containerId, LogOptions options, Consumer<LogLine> sink);

    /**
     * @param containerId a running container
     * @param spec the command
     * @param listener receives output and the exit code
     * @return the session
     */
    ExecSession exec(String containerId, ExecSpec spec, ExecListener listener);

    /**
     * @param containerId a running container
     * @return its resource use now
     */
    ContainerStats stats(String containerId);
}
