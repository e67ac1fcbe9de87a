package ai.hanzo.node.http.internal;

import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.compute.Orchestrator;
import ai.hanzo.node.api.node.CallMetrics;
import ai.hanzo.node.api.node.HealthCheck;
import ai.hanzo.node.api.node.HealthReport;
import ai.hanzo.node.api.node.HealthStatus;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeProfile;
import ai.hanzo.node.api.node.NodeScheduler;
import ai.hanzo.node.api.node.NodeState;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP listener on {@code hanzo.http.addr} (default 127.0.0.1:8080): {@code /health},
 * {@code /readiness}, {@code /liveness} for load balancers and orchestrators, and Prometheus {@code
 * /metrics} (also at {@code /v1/metrics}). Read-only and anonymous, like gRPC health. Once it
 * listens it registers {@link CallMetrics} with the property {@value #ADDRESS_PROPERTY}, which is
 * how the node's banner knows the address really serves.
 */
@Component(immediate = true, configurationPid = "ai.hanzo.node.http")
@Designate(ocd = HttpEndpoint.Config.class)
public final class HttpEndpoint {
    /** The service property that carries the address HTTP listens on. */
    public static final String ADDRESS_PROPERTY = "hanzo.http.address";

    /** PID {@code ai.hanzo.node.http}. */
    @ObjectClassDefinition(name = "Hanzo node HTTP endpoints")
    @interface Config {
        @AttributeDefinition(description = "Threads that answer HTTP requests")
        int threads() default 2;

        @AttributeDefinition(description = "Requests that may wait for a thread")
        int queue() default 64;
    }

    private static final Duration HEALTH_MAX_AGE = Duration.ofSeconds(1);
    private static final Duration HEALTH_DEADLINE = Duration.ofSeconds(3);

    private final Logger logger = LoggerFactory.getLogger(HttpEndpoint.class);
    private final NodeLifecycle lifecycle;
    private final NodeScheduler scheduler;
    private final NodeMetricsExporter metrics;
    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final Runnable unregister;
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final AtomicBoolean healthRefreshing = new AtomicBoolean();
    private volatile HealthReport health;
    private volatile long healthReadAt;
    private volatile Orchestrator orchestrator;

    /**
     * @param context for the listen address and to register the call metrics
     * @param lifecycle the node
     * @param scheduler where slow health checks run
     * @param profile the node's capabilities and metrics
     * @param config thread limits
     * @throws IOException if the address cannot be bound
     */
    @Activate
    public HttpEndpoint(
            BundleContext context,
            @Reference NodeLifecycle lifecycle,
            @Reference NodeScheduler scheduler,
            @Reference NodeProfile profile,
            Config config)
            throws IOException {
        this(
                Optional.ofNullable(context.getProperty("hanzo.http.addr"))
                        .orElse("127.0.0.1:8080"),
                lifecycle,
                scheduler,
                profile,
                config.threads(),
                config.queue(),
                (callMetrics, address) -> {
                    Dictionary<String, Object> properties = new Hashtable<>();
                    properties.put(ADDRESS_PROPERTY, address);
                    ServiceRegistration<CallMetrics> registration =
                            context.registerService(CallMetrics.class, callMetrics, properties);
                    return registration::unregister;
                });
    }

    /** Offers the call metrics to the gRPC server once HTTP listens. */
    interface Publisher {
        Runnable publish(CallMetrics metrics, String address);
    }

    HttpEndpoint(
            String configured,
            NodeLifecycle lifecycle,
            NodeScheduler scheduler,
            NodeProfile profile,
            int threads,
            int queue,
            Publisher publisher)
            throws IOException {
        this.lifecycle = lifecycle;
        this.scheduler = scheduler;
        this.health = new HealthReport(lifecycle.state().health(), lifecycle.state(), List.of());
        InetSocketAddress address = parse(configured);
        this.metrics =
                new NodeMetricsExporter(
                        new PrometheusRegistry(),
                        lifecycle,
                        profile,
                        () -> Optional.ofNullable(orchestrator));
        AtomicInteger number = new AtomicInteger();
        // its own small pool: requests are short, and a scrape storm must not take the node's
        // workers
        executor =
                new ThreadPoolExecutor(
                        Math.max(1, threads),
                        Math.max(1, threads),
                        30,
                        TimeUnit.SECONDS,
                        new ArrayBlockingQueue<>(Math.max(1, queue)),
                        r -> {
                            Thread t = new Thread(r, "hanzo-http-" + number.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        },
                        // a full queue makes the server's dispatcher answer itself, which slows
                        // accepting new requests down instead of queueing without bound
                        new ThreadPoolExecutor.CallerRunsPolicy());
        executor.allowCoreThreadTimeOut(true);
        try {
            server = HttpServer.create(address, 64);
        } catch (BindException e) {
            executor.shutdownNow();
            throw new FailedPreconditionException(
                    "HTTP cannot listen on "
                            + configured
                            + ": the address is in use or not local to this machine; choose another"
                            + " --http-addr / HANZO_HTTP_ADDR",
                    e);
        }
        server.setExecutor(executor);
        server.createContext("/health", e -> respond(e, this::healthResponse));
        server.createContext("/readiness", e -> respond(e, this::readinessResponse));
        server.createContext("/liveness", e -> respond(e, this::livenessResponse));
        server.createContext("/metrics", e -> respond(e, this::metricsResponse));
        server.createContext("/v1/metrics", e -> respond(e, this::metricsResponse));
        server.createContext(
                "/",
                e ->
                        respond(
                                e,
                                x ->
                                        new Response(
                                                404,
                                                "text/plain",
                                                "not found: try /health, /readiness, /liveness or /metrics\n")));
        server.start();
        String listening = format(address.getHostString(), server.getAddress().getPort());
        logger.info("HTTP listening on {} (/health, /readiness, /liveness, /metrics)", listening);
        unregister = publisher.publish(metrics, listening);
    }

    private static String format(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * @return the port HTTP listens on
     */
    int port() {
        return server.getAddress().getPort();
    }

    NodeMetricsExporter metrics() {
        return metrics;
    }

    static InetSocketAddress parse(String text) {
        String value = text.trim();
        int colon = value.lastIndexOf(':');
        if (colon <= 0) {
            throw new ai.hanzo.node.api.InvalidArgumentException(
                    "--http-addr '" + value + "' is not host:port (for example 127.0.0.1:8080)");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(value.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(host, port);
        } catch (NumberFormatException e) {
            throw new ai.hanzo.node.api.InvalidArgumentException(
                    "--http-addr '" + value + "' has no valid port (0-65535)");
        }
    }

    @Deactivate
    void deactivate() {
        unregister.run();
        server.stop(0);
        executor.shutdownNow();
        logger.info("HTTP stopped");
    }

    @Reference(
            cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setOrchestrator(Orchestrator service) {
        orchestrator = service;
    }

    void unsetOrchestrator(Orchestrator service) {
        if (orchestrator == service) {
            orchestrator = null;
        }
    }

    // --- requests

    private record Response(int status, String contentType, byte[] body) {
        Response(int status, String contentType, String body) {
            this(status, contentType, body.getBytes(StandardCharsets.UTF_8));
        }
    }

    private void respond(HttpExchange exchange, Function<HttpExchange, Response> handler)
            throws IOException {
        try (exchange) {
            Response response;
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                response = new Response(405, "text/plain", "only GET and HEAD are served\n");
                exchange.getResponseHeaders().add("Allow", "GET, HEAD");
            } else {
                try {
                    response = handler.apply(exchange);
                } catch (RuntimeException e) {
                    logger.warn(
                            "HTTP {} failed: {}", exchange.getRequestURI().getPath(), e.toString());
                    response =
                            new Response(
                                    500, "text/plain", "the node could not answer; see its log\n");
                }
            }
            exchange.getResponseHeaders().add("Content-Type", response.contentType());
            exchange.getResponseHeaders().add("Cache-Control", "no-store");
            boolean head = method.equals("HEAD");
            exchange.sendResponseHeaders(response.status(), head ? -1 : response.body().length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response.body());
                }
            }
        }
    }

    /**
     * @return the node's health, never waiting on a health indicator: a reading older than a second
     *     is refreshed on a worker (with a deadline) while the last one is served
     */
    HealthReport currentHealth() {
        if (System.nanoTime() - healthReadAt > HEALTH_MAX_AGE.toNanos()
                && healthRefreshing.compareAndSet(false, true)) {
            scheduler
                    .submit("HTTP health reading", lifecycle::health, HEALTH_DEADLINE)
                    .whenComplete(
                            (report, failure) -> {
                                NodeState state = lifecycle.state();
                                health =
                                        report != null
                                                ? report
                                                : new HealthReport(
                                                        HealthStatus.DEGRADED,
                                                        state,
                                                        List.of(
                                                                new HealthCheck(
                                                                        "health",
                                                                        HealthStatus.DEGRADED,
                                                                        "the health checks did not answer within "
                                                                                + HEALTH_DEADLINE
                                                                                        .toSeconds()
                                                                                + " s")));
                                healthReadAt = System.nanoTime();
                                healthRefreshing.set(false);
                            });
        }
        HealthReport last = health;
        // the lifecycle state is read live: it is a cheap getter and must never lag
        NodeState state = lifecycle.state();
        HealthStatus parts = worst(last);
        HealthStatus status = state.health().compareTo(parts) > 0 ? state.health() : parts;
        return new HealthReport(status, state, last.checks());
    }

    private static HealthStatus worst(HealthReport report) {
        HealthStatus worst = HealthStatus.HEALTHY;
        for (HealthCheck check : report.checks()) {
            if (check.status().compareTo(worst) > 0) {
                worst = check.status();
            }
        }
        return worst;
    }

    private Response healthResponse(HttpExchange exchange) {
        HealthReport report = currentHealth();
        StringBuilder json =
                new StringBuilder("{\"status\":")
                        .append(Json.string(report.status().name().toLowerCase(Locale.ROOT)))
                        .append(",\"state\":")
                        .append(Json.string(report.state().name().toLowerCase(Locale.ROOT)))
                        .append(",\"version\":")
                        .append(Json.string(lifecycle.info().version()))
                        .append(",\"node_id\":")
                        .append(Json.string(lifecycle.info().nodeId()))
                        .append(",\"uptime_seconds\":")
                        .append(lifecycle.uptime().toSeconds())
                        .append(",\"checks\":[");
        boolean first = true;
        for (HealthCheck check : report.checks()) {
            json.append(first ? "" : ",")
                    .append("{\"name\":")
                    .append(Json.string(check.name()))
                    .append(",\"status\":")
                    .append(Json.string(check.status().name().toLowerCase(Locale.ROOT)))
                    .append(",\"detail\":")
                    .append(Json.string(check.detail()))
                    .append('}');
            first = false;
        }
        json.append("]}\n");
        return new Response(
                report.status() == HealthStatus.UNHEALTHY ? 503 : 200,
                "application/json",
                json.toString());
    }

    private Response readinessResponse(HttpExchange exchange) {
        HealthReport report = currentHealth();
        boolean ready =
                report.state() == NodeState.READY && report.status() != HealthStatus.UNHEALTHY;
        return new Response(
                ready ? 200 : 503,
                "text/plain",
                (ready ? "ready" : "not ready: " + report.state().name().toLowerCase(Locale.ROOT))
                        + "\n");
    }

    private Response livenessResponse(HttpExchange exchange) {
        boolean alive = lifecycle.state() != NodeState.STOPPED;
        return new Response(alive ? 200 : 503, "text/plain", alive ? "alive\n" : "stopped\n");
    }

    private Response metricsResponse(HttpExchange exchange) {
        ExpositionFormatWriter writer =
                formats.findWriter(exchange.getRequestHeaders().getFirst("Accept"));
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, metrics.scrape());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new Response(200, writer.getContentType(), out.toByteArray());
    }
}
