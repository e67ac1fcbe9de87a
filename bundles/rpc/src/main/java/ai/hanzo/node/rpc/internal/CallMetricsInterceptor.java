package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.node.CallMetrics;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Records each call's method, status code and latency into {@link CallMetrics} when a metrics
 * exporter is there. Outermost, so refusals by authentication count too.
 */
final class CallMetricsInterceptor implements ServerInterceptor {
    private final Supplier<CallMetrics> metrics;

    CallMetricsInterceptor(Supplier<CallMetrics> metrics) {
        this.metrics = metrics;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        CallMetrics sink = metrics.get();
        if (sink == null) {
            return next.startCall(call, headers);
        }
        long started = System.nanoTime();
        String service = call.getMethodDescriptor().getServiceName();
        String method = call.getMethodDescriptor().getBareMethodName();
        return next.startCall(
                new SimpleForwardingServerCall<>(call) {
                    @Override
                    public void close(Status status, Metadata trailers) {
                        try {
                            sink.record(
                                    String.valueOf(service),
                                    String.valueOf(method),
                                    status.getCode().name(),
                                    Duration.ofNanos(System.nanoTime() - started));
                        } catch (RuntimeException e) {
                            // metrics must never fail a call
                        }
                        super.close(status, trailers);
                    }
                },
                headers);
    }
}
