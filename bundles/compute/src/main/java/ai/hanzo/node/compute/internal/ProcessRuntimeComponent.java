package ai.hanzo.node.compute.internal;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.Subscription;
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
import ai.hanzo.node.compute.internal.process.ProcessRuntime;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Registers the built-in {@code process} runtime, over {@code <data-dir>/compute/process}. Stopping
 * the bundle leaves the processes running: the next start re-adopts them.
 */
@Component(
        service = ContainerRuntime.class,
        configurationPid = "ai.hanzo.node.compute",
        property = ContainerRuntime.NAME_PROPERTY + "=" + ProcessRuntime.NAME)
public final class ProcessRuntimeComponent implements ContainerRuntime {
    private final ProcessRuntime runtime;

    /**
     * @param context gives the data directory ({@code hanzo.data.dir}, else {@code karaf.data},
     *     else {@code ./data})
     * @param config settings
     * @param scheduler the node's threads
     */
    @Activate
    public ProcessRuntimeComponent(
            BundleContext context, ComputeConfig config, @Reference NodeScheduler scheduler) {
        ProcessRuntime.Settings d = ProcessRuntime.Settings.defaults();
        this.runtime =
                new ProcessRuntime(
                        dataDir(context).resolve("compute").resolve("process"),
                        scheduler,
                        Clock.systemUTC(),
                        new ProcessRuntime.Settings(
                                d.collectInterval(),
                                d.livenessInterval(),
                                Math.max(1, config.process_log_max_mb()) * (1L << 20),
                                Math.max(1, config.process_log_files()),
                                d.cgroupRoot()));
    }

    private static Path dataDir(BundleContext context) {
        for (String property : List.of("hanzo.data.dir", "karaf.data")) {
            String dir = context.getProperty(property);
            if (dir != null && !dir.isBlank()) {
                return Path.of(dir);
            }
        }
        return Path.of("./data");
    }

    @Deactivate
    void deactivate() {
        runtime.close();
    }

    @Override
    public String name() {
        return runtime.name();
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
