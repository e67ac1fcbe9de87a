package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.chain.ChainStatus;
import ai.hanzo.node.api.chain.StakingService;
import ai.hanzo.node.api.node.HealthCheck;
import ai.hanzo.node.api.node.HealthReport;
import ai.hanzo.node.api.node.HealthStatus;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * What GetHealth and the health service answer, without waiting on anything: the lifecycle state is
 * read live (a cheap getter), while the parts' health indicators and the chain status, which may
 * block, are refreshed on a worker with a deadline when the last reading is older than a second,
 * and the stale reading is served meanwhile. An idle node does no health work at all.
 */
final class HealthCache {
    static final Duration MAX_AGE = Duration.ofSeconds(1);
    static final Duration DEADLINE = Duration.ofSeconds(3);

    /** One reading of the slow parts. */
    record Reading(HealthStatus parts, List<HealthCheck> checks, Optional<ChainStatus> chain) {}

    private final NodeLifecycle lifecycle;
    private final NodeScheduler scheduler;
    private final Supplier<Optional<StakingService>> staking;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile Reading reading =
            new Reading(HealthStatus.HEALTHY, List.of(), Optional.empty());
    private volatile long readAt;

    HealthCache(
            NodeLifecycle lifecycle,
            NodeScheduler scheduler,
            Supplier<Optional<StakingService>> staking) {
        this.lifecycle = lifecycle;
        this.scheduler = scheduler;
        this.staking = staking;
    }

    /**
     * @return the node's health now: the live lifecycle state combined with the last reading of its
     *     parts
     */
    HealthStatus status() {
        HealthStatus state = lifecycle.state().health();
        HealthStatus parts = current().parts();
        return parts.compareTo(state) > 0 ? parts : state;
    }

    /**
     * @return the last reading, starting a refresh when it is old
     */
    Reading current() {
        if (System.nanoTime() - readAt > MAX_AGE.toNanos()) {
            refresh();
        }
        return reading;
    }

    /** Starts a refresh unless one runs. */
    void refresh() {
        if (!refreshing.compareAndSet(false, true)) {
            return;
        }
        scheduler
                .submit("gRPC health reading", this::read, DEADLINE)
                .whenComplete(
                        (next, failure) -> {
                            if (next != null) {
                                reading = next;
                            } else {
                                reading =
                                        new Reading(
                                                HealthStatus.DEGRADED,
                                                List.of(
                                                        new HealthCheck(
                                                                "health",
                                                                HealthStatus.DEGRADED,
                                                                "the health checks did not answer"
                                                                        + " within "
                                                                        + DEADLINE.toSeconds()
                                                                        + " s")),
                                                reading.chain());
                            }
                            readAt = System.nanoTime();
                            refreshing.set(false);
                        });
    }

    private Reading read() {
        HealthReport report = lifecycle.health();
        HealthStatus parts = HealthStatus.HEALTHY;
        for (HealthCheck check : report.checks()) {
            if (check.status().compareTo(parts) > 0) {
                parts = check.status();
            }
        }
        Optional<ChainStatus> chain = Optional.empty();
        Optional<StakingService> service = staking.get();
        if (service.isPresent()) {
            try {
                chain = Optional.of(service.get().chainStatus());
            } catch (RuntimeException e) {
                chain = Optional.empty();
            }
        }
        return new Reading(parts, report.checks(), chain);
    }
}
