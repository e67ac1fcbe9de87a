package ai.hanzo.example.runc;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.runtime.ContainerEvent;
import ai.hanzo.node.api.runtime.ContainerRuntime;
import ai.hanzo.node.api.runtime.ContainerSpec;
import ai.hanzo.node.api.runtime.ContainerStats;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.runtime.ExecOutput;
import ai.hanzo.node.api.runtime.ExecSession;
import ai.hanzo.node.api.runtime.ExecSpec;
import ai.hanzo.node.api.runtime.LimitKind;
import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.LogOptions;
import ai.hanzo.node.api.runtime.RuntimeCapabilities;
import ai.hanzo.node.api.runtime.StreamSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Registers the {@code runc} runtime with the node. Its files go to {@code
 * <data-dir>/plugins/runc}; settings come from {@code etc/ai.hanzo.example.runc.cfg} when present.
 */
@Component(
        service = ContainerRuntime.class,
        configurationPid = "ai.hanzo.example.runc",
        property = ContainerRuntime.NAME_PROPERTY + "=" + RuncRuntime.NAME)
public final class RuncRuntimeComponent implements ContainerRuntime {
    /** Settings of the runc runtime. */
    @ObjectClassDefinition(name = "runc runtime example")
    public @interface Config {
        /**
         * @return the runc executable
         */
        @AttributeDefinition(description = "the runc executable, a path or a name on the PATH")
        String runc() default "runc";

        /**
         * @return the statically linked busybox that makes the busybox image
         */
        @AttributeDefinition(description = "the statically linked busybox (busybox-static)")
        String busybox() default "/bin/busybox";
    }

    private final RuncRuntime runtime;

    /**
     * @param node gives the data directory
     * @param scheduler the node's threads, for every blocking task
     * @param config settings
     */
    @Activate
    public RuncRuntimeComponent(
            @Reference NodeLifecycle node, @Reference NodeScheduler scheduler, Config config) {
        this.runtime =
                new RuncRuntime(
                        node.info().dataDirectory().resolve("plugins").resolve(RuncRuntime.NAME),
                        config.runc(),
                        Path.of(config.busybox()),
                        scheduler);
    }

    @Deactivate
    void deactivate() {
        runtime.close();
    }

    @Override
    public String name() {
        return RuncRuntime.NAME;
    }

    @Override
    public Availability selfTest() {
        return runtime.selfTest();
    }

    @Override
    public RuntimeCapabilities capabilities() {
        return runtime.capabilities();
    }

    @Override
    public Map<LimitKind, String> unenforceableLimits() {
        return runtime.unenforceableLimits();
    }

    @Override
    public boolean imagePresent(String image) {
        return runtime.imagePresent(image);
    }

    @Override
    public String create(ContainerSpec spec) {
        return runtime.create(spec);
    }

    @Override
    public void start(String containerId) {
        runtime.start(containerId);
    }

    @Override
    public void stop(String containerId, Duration grace) {
        runtime.stop(containerId, grace);
    }

    @Override
    public void remove(String containerId, boolean force) {
        runtime.remove(containerId, force);
    }

    @Override
    public ContainerStatus inspect(String containerId) {
        return runtime.inspect(containerId);
    }

    @Override
    public List<ContainerStatus> list(Map<String, String> labelFilters) {
        return runtime.list(labelFilters);
    }

    @Override
    public Subscription watch(Map<String, String> labelFilters, StreamSink<ContainerEvent> sink) {
        return runtime.watch(labelFilters, sink);
    }

    @Override
    public Subscription logs(String containerId, LogOptions options, StreamSink<LogLine> sink) {
        return runtime.logs(containerId, options, sink);
    }

    @Override
    public ExecSession exec(String containerId, ExecSpec spec, StreamSink<ExecOutput> output) {
        return runtime.exec(containerId, spec, output);
    }

    @Override
    public ContainerStats stats(String containerId) {
        return runtime.stats(containerId);
    }
}
