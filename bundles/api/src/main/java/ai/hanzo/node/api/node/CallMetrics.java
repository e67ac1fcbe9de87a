package ai.hanzo.node.api.node;

import java.time.Duration;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Takes one observation per call a node server answered (gRPC today), for the node's metrics
 * endpoint: counts by method and status code, and latency histograms. Provided by the bundle that
 * exports metrics; servers record into it while it is there and lose nothing else when it is not.
 */
@ProviderType
public interface CallMetrics {
    /**
     * Records one finished call. Must return at once (servers call it on their request path).
     *
     * @param service the service, for example {@code hanzo.node.v1.NodeService}
     * @param method the method, for example {@code GetHealth}
     * @param code the outcome, a gRPC status code name such as {@code OK} or {@code NOT_FOUND}
     * @param latency from the call's start to its close
     */
    void record(String service, String method, String code, Duration latency);
}
