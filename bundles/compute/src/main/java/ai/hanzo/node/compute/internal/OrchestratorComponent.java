package ai.hanzo.node.compute.internal;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.compute.Deployment;
import ai.hanzo.node.api.compute.DeploymentRequest;
import ai.hanzo.node.api.compute.DeploymentResult;
import ai.hanzo.node.api.compute.DeploymentStatus;
import ai.hanzo.node.api.compute.LogQuery;
import ai.hanzo.node.api.compute.Orchestrator;
import ai.hanzo.node.api.compute.RuntimeInfo;
import ai.hanzo.node.api.compute.ScaleResult;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.node.DrainParticipant;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.node.NodeState;
import ai.hanzo.node.api.runtime.ContainerRuntime;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.runtime.ExecOutput;
import ai.hanzo.node.api.runtime.ExecSession;
import ai.hanzo.node.api.runtime.ExecSpec;
import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.StreamSink;
import ai.hanzo.node.api.store.NodeStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The node's {@link Orchestrator}: a {@link DeploymentEngine} over the node store, the shared
 * scheduler and every {@link ContainerRuntime} registered in the framework (a runtime plugin that
 * comes or goes is taken up or dropped at once). As a {@link DrainParticipant} it stops the node's
 * containers when the node drains.
 */
@Component(
        service = {Orchestrator.class, DrainParticipant.class},
        configurationPid = "ai.hanzo.node.compute",
        immediate = true)
@Designate(ocd = ComputeConfig.class)
public final class OrchestratorComponent implements Orchestrator, DrainParticipant {
    private final DeploymentEngine engine;
    private volatile EventBus eventBus;
    private volatile NodeLifecycle lifecycle;

    /**
     * @param config settings
     * @param store where desired state is kept
     * @param scheduler the node's threads
     */
    @Activate
    public OrchestratorComponent(
            ComputeConfig config, @Reference NodeStore store, @Reference NodeScheduler scheduler) {
        this.engine =
                new DeploymentEngine(
                        store,
                        scheduler,
                        e -> {
                            EventBus bus = eventBus;
                            if (bus != null) {
                                bus.publish(e);
                            }
                        },
                        () -> {
                            NodeLifecycle l = lifecycle;
                            return l != null && l.state() == NodeState.DRAINING;
                        },
                        Clock.systemUTC(),
                        new DeploymentEngine.Settings(
                                Math.max(1, config.max_replicas()),
                                Duration.ofSeconds(Math.max(0, config.drain_grace_seconds())),
                                Duration.ofSeconds(Math.max(1, config.resync_seconds())),
                                Duration.ofSeconds(30)));
    }

    @Deactivate
    void deactivate() {
        engine.close();
    }

    @Reference(
            cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addRuntime(ContainerRuntime runtime) {
        engine.addRuntime(runtime);
    }

    void removeRuntime(ContainerRuntime runtime) {
        engine.removeRuntime(runtime);
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setEventBus(EventBus bus) {
        eventBus = bus;
    }

    void unsetEventBus(EventBus bus) {
        if (eventBus == bus) {
            eventBus = null;
        }
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setLifecycle(NodeLifecycle l) {
        lifecycle = l;
    }

    void unsetLifecycle(NodeLifecycle l) {
        if (lifecycle == l) {
            lifecycle = null;
        }
    }

    @Override
    public String name() {
        return "deployments";
    }

    @Override
    public void drain(Instant deadline) {
        engine.drain(deadline);
    }

    @Override
    public DeploymentResult deploy(DeploymentRequest request) {
        return engine.deploy(request);
    }

    @Override
    public void start(String deploymentId) {
        engine.start(deploymentId);
    }

    @Override
    public void stop(String deploymentId, boolean force) {
        engine.stop(deploymentId, force);
    }

    @Override
    public void remove(String deploymentId, boolean removeVolumes) {
        engine.remove(deploymentId, removeVolumes);
    }

    @Override
    public ScaleResult scale(String deploymentId, String service, int replicas) {
        return engine.scale(deploymentId, service, replicas);
    }

    @Override
    public Optional<Deployment> deployment(String deploymentId) {
        return engine.deployment(deploymentId);
    }

    @Override
    public Optional<DeploymentStatus> status(String deploymentId) {
        return engine.status(deploymentId);
    }

    @Override
    public List<DeploymentStatus> statuses() {
        return engine.statuses();
    }

    @Override
    public List<RuntimeInfo> runtimes() {
        return engine.runtimes();
    }

    @Override
    public Subscription logs(LogQuery query, StreamSink<LogLine> sink) {
        return engine.logs(query, sink);
    }

    @Override
    public List<ContainerStatus> containers(boolean all, Map<String, String> labelFilters) {
        return engine.containers(all, labelFilters);
    }

    @Override
    public ContainerStatus inspect(String containerId) {
        return engine.inspect(containerId);
    }

    @Override
    public ExecSession exec(String containerId, ExecSpec spec, StreamSink<ExecOutput> output) {
        return engine.exec(containerId, spec, output);
    }
}
