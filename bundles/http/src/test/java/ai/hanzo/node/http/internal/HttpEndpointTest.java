package ai.hanzo.node.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.Availability;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.node.CallMetrics;
import ai.hanzo.node.api.node.HealthCheck;
import ai.hanzo.node.api.node.HealthReport;
import ai.hanzo.node.api.node.HealthStatus;
import ai.hanzo.node.api.node.NodeCapabilities;
import ai.hanzo.node.api.node.NodeInfo;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeMetrics;
import ai.hanzo.node.api.node.NodeProfile;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.node.NodeState;
import ai.hanzo.node.api.node.NodeStateChange;
import ai.hanzo.node.api.node.SelfTestResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP endpoints over a real socket, with a real HTTP client. */
class HttpEndpointTest {
    private final TestNode node = new TestNode();
    private HttpEndpoint endpoint;
    private final AtomicReference<String> published = new AtomicReference<>();
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        endpoint =
                new HttpEndpoint(
                        "127.0.0.1:0",
                        node,
                        node,
                        node,
                        2,
                        8,
                        (metrics, address) -> {
                            published.set(address);
                            return () -> published.set(null);
                        });
    }

    @AfterEach
    void stop() {
        endpoint.deactivate();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theAddressIsPublishedOnlyOnceItListens() throws Exception {
        assertEquals("127.0.0.1:" + endpoint.port(), published.get());
        endpoint.deactivate();
        assertEquals(null, published.get());
        start();
    }

    @Test
    void healthReadinessAndLivenessFollowTheNode() throws Exception {
        HttpResponse<String> health = get("/health");
        assertEquals(200, health.statusCode());
        assertTrue(
                health.body()
                        .startsWith(
                                "{\"status\":\"healthy\",\"state\":\"ready\",\"version\":\"9.9.9\""),
                health.body());
        assertEquals("application/json", health.headers().firstValue("Content-Type").orElse(""));
        assertEquals(200, get("/readiness").statusCode());
        node.state = NodeState.DRAINING;
        assertEquals(503, get("/readiness").statusCode());
        assertEquals("not ready: draining\n", get("/readiness").body());
        assertTrue(get("/health").body().contains("\"status\":\"degraded\""));
        assertEquals(200, get("/liveness").statusCode());
        node.state = NodeState.STOPPED;
        assertEquals(503, get("/liveness").statusCode());
        assertEquals(503, get("/health").statusCode());
    }

    @Test
    void aSlowHealthIndicatorNeverBlocksTheEndpoint() throws Exception {
        node.slowHealth = true;
        long started = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            assertEquals(200, get("/health").statusCode());
        }
        assertTrue(System.nanoTime() - started < 2_000_000_000L, "answered from the last reading");
    }

    @Test
    void metricsAreInPrometheusFormatWithNodeJvmAndGrpcSeries() throws Exception {
        CallMetrics calls = endpoint.metrics();
        calls.record("hanzo.node.v1.NodeService", "GetHealth", "OK", Duration.ofMillis(3));
        calls.record("hanzo.node.v1.NodeService", "Deploy", "UNAVAILABLE", Duration.ofMillis(40));
        HttpResponse<String> metrics = get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(
                metrics.headers()
                        .firstValue("Content-Type")
                        .orElse("")
                        .startsWith("text/plain; version=0.0.4"));
        String body = metrics.body();
        for (String expected :
                List.of(
                        "hanzo_node_cpu_usage_ratio 0.25",
                        "hanzo_node_network_receive_bytes_per_second 2048.0",
                        "hanzo_node_active_containers 3.0",
                        "hanzo_node_capacity{resource=\"cpu_cores\"} 8.0",
                        "hanzo_node_state{state=\"ready\"} 1.0",
                        "hanzo_plugin_available{kind=\"runtime\",name=\"docker\"} 0.0",
                        "grpc_server_handled_total{grpc_code=\"UNAVAILABLE\",grpc_method=\"Deploy\",grpc_service=\"hanzo.node.v1.NodeService\"} 1.0",
                        "grpc_server_handling_seconds_bucket{grpc_method=\"GetHealth\",grpc_service=\"hanzo.node.v1.NodeService\",le=\"0.005\"} 1",
                        "jvm_memory_used_bytes")) {
            assertTrue(body.contains(expected), expected + " in:\n" + body);
        }
        assertEquals(
                body.length() > 0, get("/v1/metrics").body().contains("hanzo_node_uptime_seconds"));
    }

    @Test
    void otherMethodsAndPathsAreRefusedClearly() throws Exception {
        HttpResponse<String> post =
                client.send(
                        HttpRequest.newBuilder(
                                        URI.create(
                                                "http://127.0.0.1:" + endpoint.port() + "/health"))
                                .POST(HttpRequest.BodyPublishers.ofString("x"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals(404, get("/admin").statusCode());
        assertTrue(get("/admin").body().contains("/metrics"));
    }

    /** The node the endpoint reads, as small as the endpoint needs. */
    private static final class TestNode implements NodeLifecycle, NodeScheduler, NodeProfile {
        volatile NodeState state = NodeState.READY;
        volatile boolean slowHealth;

        @Override
        public NodeInfo info() {
            return new NodeInfo("n1", "9.9.9", "", "", Path.of("."), Instant.EPOCH);
        }

        @Override
        public NodeState state() {
            return state;
        }

        @Override
        public Duration uptime() {
            return Duration.ofSeconds(7);
        }

        @Override
        public HealthReport health() {
            if (slowHealth) {
                try {
                    // a hung indicator, as the endpoint must survive it
                    new java.util.concurrent.CountDownLatch(1)
                            .await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new HealthReport(
                    state.health(),
                    state,
                    List.of(new HealthCheck("store", HealthStatus.HEALTHY, "open")));
        }

        @Override
        public void drain(String reason, Duration timeout) {}

        @Override
        public Subscription onStateChange(Consumer<NodeStateChange> listener) {
            return () -> {};
        }

        @Override
        public ScheduledFuture<?> schedule(String name, Runnable task, Duration delay) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(
                String name, Runnable task, Duration initialDelay, Duration period) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> CompletableFuture<T> submit(String name, Callable<T> task) {
            return submit(name, task, Duration.ofSeconds(60));
        }

        @Override
        public <T> CompletableFuture<T> submit(String name, Callable<T> task, Duration timeout) {
            return CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    return task.call();
                                } catch (Exception e) {
                                    throw new java.util.concurrent.CompletionException(e);
                                }
                            })
                    .orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        @Override
        public NodeCapabilities capabilities() {
            return new NodeCapabilities(
                    8,
                    1L << 34,
                    1L << 40,
                    List.of(),
                    false,
                    List.of("process"),
                    List.of(),
                    List.of("m1"),
                    "",
                    "");
        }

        @Override
        public Set<String> capabilityTags() {
            return Set.of();
        }

        @Override
        public List<SelfTestResult> selfTests() {
            return List.of(
                    new SelfTestResult(
                            "runtime",
                            "docker",
                            Availability.unavailable("no socket"),
                            Duration.ZERO,
                            Instant.EPOCH),
                    new SelfTestResult(
                            "runtime", "process", Availability.ok(), Duration.ZERO, Instant.EPOCH));
        }

        @Override
        public NodeMetrics metrics() {
            return new NodeMetrics(0.25, 0.5, 0.1, 2048, 1024, 3);
        }

        @Override
        public CompletableFuture<NodeCapabilities> refresh() {
            return CompletableFuture.completedFuture(capabilities());
        }

        @Override
        public Subscription onCapabilitiesChange(Consumer<NodeCapabilities> listener) {
            return () -> {};
        }
    }
}
