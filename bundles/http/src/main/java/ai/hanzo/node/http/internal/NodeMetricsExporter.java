package ai.hanzo.node.http.internal;

import ai.hanzo.node.api.compute.DeploymentStatus;
import ai.hanzo.node.api.compute.Orchestrator;
import ai.hanzo.node.api.node.CallMetrics;
import ai.hanzo.node.api.node.NodeCapabilities;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeMetrics;
import ai.hanzo.node.api.node.NodeProfile;
import ai.hanzo.node.api.node.NodeState;
import ai.hanzo.node.api.node.SelfTestResult;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The node's Prometheus metrics, built with the Prometheus Java client: the node's resource use and
 * capabilities (read from {@link NodeProfile} at scrape time, the same source as gRPC GetMetrics
 * and the P2P heartbeat), its lifecycle state, its runtimes' and engines' self-tests, its
 * deployments (from the Orchestrator, when there is one), the JVM, and the gRPC server's calls by
 * method and status code with latency histograms (recorded through {@link CallMetrics}).
 */
final class NodeMetricsExporter implements CallMetrics {
    private final PrometheusRegistry registry;
    private final Counter handled;
    private final Histogram latency;

    NodeMetricsExporter(
            PrometheusRegistry registry,
            NodeLifecycle lifecycle,
            NodeProfile profile,
            Supplier<Optional<Orchestrator>> orchestrator) {
        this.registry = registry;
        JvmMetrics.builder().register(registry);
        handled =
                Counter.builder()
                        .name("grpc_server_handled_total")
                        .help("gRPC calls answered, by service, method and status code")
                        .labelNames("grpc_service", "grpc_method", "grpc_code")
                        .register(registry);
        latency =
                Histogram.builder()
                        .name("grpc_server_handling_seconds")
                        .help("Time from a gRPC call's start to its close, by service and method")
                        .labelNames("grpc_service", "grpc_method")
                        .classicOnly()
                        .classicUpperBounds(
                                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                2.5, 5, 10, 30, 60)
                        .register(registry);
        gauge(
                "hanzo_node_cpu_usage_ratio",
                "CPU use of the machine, 0..1",
                profile,
                NodeMetrics::cpuUsage);
        gauge(
                "hanzo_node_memory_usage_ratio",
                "Memory use of the machine, 0..1",
                profile,
                NodeMetrics::memoryUsage);
        gauge(
                "hanzo_node_disk_usage_ratio",
                "Disk use of the data directory's file system, 0..1",
                profile,
                NodeMetrics::diskUsage);
        gauge(
                "hanzo_node_network_receive_bytes_per_second",
                "Bytes received per second, all interfaces but loopback",
                profile,
                NodeMetrics::networkRxBytesPerSecond);
        gauge(
                "hanzo_node_network_transmit_bytes_per_second",
                "Bytes sent per second, all interfaces but loopback",
                profile,
                NodeMetrics::networkTxBytesPerSecond);
        gauge(
                "hanzo_node_active_containers",
                "Containers running now",
                profile,
                m -> m.activeContainers());
        GaugeWithCallback.builder()
                .name("hanzo_node_capacity")
                .help("What the node offers: cpu_cores, memory_bytes, disk_bytes, gpus")
                .labelNames("resource")
                .callback(
                        callback -> {
                            NodeCapabilities c = profile.capabilities();
                            callback.call(c.cpuCores(), "cpu_cores");
                            callback.call(c.memoryBytes(), "memory_bytes");
                            callback.call(c.diskBytes(), "disk_bytes");
                            callback.call(c.gpus().size(), "gpus");
                        })
                .register(registry);
        GaugeWithCallback.builder()
                .name("hanzo_node_models_loaded")
                .help("Models loaded and serving")
                .callback(callback -> callback.call(profile.capabilities().models().size()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("hanzo_node_state")
                .help("1 for the node's current lifecycle state, 0 for the others")
                .labelNames("state")
                .callback(
                        callback -> {
                            NodeState now = lifecycle.state();
                            for (NodeState state : NodeState.values()) {
                                callback.call(
                                        state == now ? 1 : 0,
                                        state.name().toLowerCase(Locale.ROOT));
                            }
                        })
                .register(registry);
        GaugeWithCallback.builder()
                .name("hanzo_node_uptime_seconds")
                .help("Seconds since the node process started")
                .callback(callback -> callback.call(lifecycle.uptime().toMillis() / 1000.0))
                .register(registry);
        GaugeWithCallback.builder()
                .name("hanzo_plugin_available")
                .help("1 when a runtime or engine passed its last self-test, 0 when not")
                .labelNames("kind", "name")
                .callback(
                        callback -> {
                            for (SelfTestResult r : profile.selfTests()) {
                                callback.call(
                                        r.availability().available() ? 1 : 0, r.kind(), r.name());
                            }
                        })
                .register(registry);
        GaugeWithCallback.builder()
                .name("hanzo_deployments")
                .help("Deployments by state")
                .labelNames("state")
                .callback(
                        callback -> {
                            Map<String, Integer> byState = new HashMap<>();
                            for (DeploymentStatus s : statuses(orchestrator)) {
                                byState.merge(
                                        s.state().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
                            }
                            byState.forEach((state, count) -> callback.call(count, state));
                        })
                .register(registry);
        GaugeWithCallback.builder()
                .name("hanzo_deployment_replicas")
                .help("Replicas of each deployment: desired, and ready (healthcheck passing)")
                .labelNames("deployment", "kind")
                .callback(
                        callback -> {
                            for (DeploymentStatus s : statuses(orchestrator)) {
                                callback.call(s.replicas(), s.deploymentId(), "desired");
                                callback.call(s.readyReplicas(), s.deploymentId(), "ready");
                            }
                        })
                .register(registry);
    }

    private static java.util.List<DeploymentStatus> statuses(
            Supplier<Optional<Orchestrator>> orchestrator) {
        return orchestrator.get().map(Orchestrator::statuses).orElse(java.util.List.of());
    }

    private void gauge(
            String name,
            String help,
            NodeProfile profile,
            java.util.function.ToDoubleFunction<NodeMetrics> value) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .callback(callback -> callback.call(value.applyAsDouble(profile.metrics())))
                .register(registry);
    }

    MetricSnapshots scrape() {
        return registry.scrape();
    }

    @Override
    public void record(String service, String method, String code, Duration latencyTaken) {
        handled.labelValues(service, method, code).inc();
        latency.labelValues(service, method).observe(latencyTaken.toNanos() / 1e9);
    }
}
