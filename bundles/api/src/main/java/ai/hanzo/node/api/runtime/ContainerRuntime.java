package ai.hanzo.node.api.runtime;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.ErrorCode;
import ai.hanzo.node.api.NodeException;
import ai.hanzo.node.api.Subscription;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A way of running containers: the SPI a plugin implements to add a runtime to a live node.
 *
 * <p>Register an implementation as an OSGi service (with the service property {@value
 * #NAME_PROPERTY} set to {@link #name()}); the node picks it up at once, runs its {@link
 * #selfTest()}, advertises it and its {@link #capabilities()} and places deployments on it (a
 * deployment chooses a runtime with the label {@code hanzo.runtime}). When the service goes away,
 * deployments on it are marked failed with a reason, and recover when it returns.
 *
 * <p>Every container the node creates carries the labels of its {@link ContainerSpec}; a runtime
 * must keep them and report them back, since the node recognises its containers by them (also after
 * a restart of the node, when it re-adopts what still runs). Containers must outlive the node's
 * process. A runtime never restarts a container by itself: the orchestrator applies restart
 * policies, by calling {@link #start} again.
 *
 * <p>Streams ({@link #logs}, {@link #exec}, {@link #watch}, {@link #pullImage}) deliver to a {@link
 * StreamSink} whose blocking is the back-pressure, and end with a completion or an error. Failures
 * are {@link ai.hanzo.node.api.NodeException}s: an unknown container is {@code NOT_FOUND}, an
 * unreachable engine {@code UNAVAILABLE}, a bad spec {@code INVALID_ARGUMENT}, an operation the
 * runtime does not offer {@code UNIMPLEMENTED}. Methods may block (I/O); callers run them off
 * latency-sensitive threads.
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
     * @return what the runtime adds to the node's advertised capabilities while available
     */
    RuntimeCapabilities capabilities();

    /**
     * The limits this runtime cannot enforce on this machine. A container created with such a limit
     * is still created (the node reports "limits not enforced: kind (why)" on its deployment), so a
     * runtime must list every kind it would silently ignore.
     *
     * @return the kinds it cannot enforce, each with the reason; empty when it enforces them all
     */
    Map<LimitKind, String> unenforceableLimits();

    // --- images

    /**
     * @param image an image reference (for the process runtime: an executable)
     * @return whether the image is present locally, so a create needs no pull
     */
    boolean imagePresent(String image);

    /**
     * Pulls an image from a registry, reporting progress; completes the sink when the image is
     * present, fails it with why not. The default is {@code UNIMPLEMENTED} for runtimes without
     * images.
     *
     * @param image the image reference, such as {@code 127.0.0.1:5000/busybox:1}
     * @param auth credentials, if the registry needs them
     * @param progress receives progress, then the end of the pull
     * @return the pull; close it to stop caring about it (the pull itself may go on)
     */
    default Subscription pullImage(
            String image, Optional<RegistryAuth> auth, StreamSink<PullProgress> progress) {
        throw new NodeException(
                ErrorCode.UNIMPLEMENTED, "runtime " + name() + " cannot pull images");
    }

    /**
     * Loads images from an archive in {@code docker save} format. The default is {@code
     * UNIMPLEMENTED} for runtimes without images.
     *
     * @param archive the archive; read to its end, not closed
     * @return the references of the images loaded
     */
    default List<String> loadImages(InputStream archive) {
        throw new NodeException(
                ErrorCode.UNIMPLEMENTED, "runtime " + name() + " cannot load images");
    }

    // --- containers

    /**
     * @param spec the container to create
     * @return the new container's id
     */
    String create(ContainerSpec spec);

    /**
     * Starts a created container, or starts an exited one again (then its restart count grows).
     *
     * @param containerId the container
     */
    void start(String containerId);

    /**
     * Stops a container: its stop signal first, a kill after {@code grace}. Returns once it has
     * exited. Stopping a container that is not running is harmless.
     *
     * @param containerId the container
     * @param grace how long to wait before killing; zero kills at once
     */
    void stop(String containerId, Duration grace);

    /**
     * @param containerId the container
     * @param force remove it even if running (it is killed first)
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
     * Watches containers for changes, so the node need not poll. Events for one container arrive in
     * the order they happened. The stream ends only when closed or when the runtime fails (error:
     * the node then falls back to listing).
     *
     * @param labelFilters only containers carrying all of these labels
     * @param sink receives the events
     * @return the watch; close it to stop
     */
    Subscription watch(Map<String, String> labelFilters, StreamSink<ContainerEvent> sink);

    /**
     * Streams a container's log. Without {@code follow} the stream completes after the last
     * selected line; with it, it completes when the container has exited and its last line was
     * delivered.
     *
     * @param containerId the container
     * @param options which lines
     * @param sink receives the lines, in order
     * @return the stream; close it to stop
     */
    Subscription logs(String containerId, LogOptions options, StreamSink<LogLine> sink);

    /**
     * Runs a command in a running container.
     *
     * @param containerId a running container
     * @param spec the command
     * @param output receives what the command writes; completed after the exit code is known
     * @return the session, for standard input, terminal size and the exit code
     */
    ExecSession exec(String containerId, ExecSpec spec, StreamSink<ExecOutput> output);

    /**
     * @param containerId a running container
     * @return its resource use now
     */
    ContainerStats stats(String containerId);
}
