package ai.hanzo.node.compute.internal;

import ai.hanzo.node.api.NotFoundException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.compute.LogQuery;
import ai.hanzo.node.api.runtime.ContainerEvent;
import ai.hanzo.node.api.runtime.ContainerEventType;
import ai.hanzo.node.api.runtime.ContainerRuntime;
import ai.hanzo.node.api.runtime.ContainerState;
import ai.hanzo.node.api.runtime.ContainerStatus;
import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.LogOptions;
import ai.hanzo.node.api.runtime.StreamSink;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A deployment's logs: the runtime's log streams of each of its containers merged into one sink
 * (one line at a time, in order per container). When following, a container that restarts or a new
 * replica is followed too, from where the stream stood; the stream ends when closed or when the
 * deployment's last container is removed.
 */
final class DeploymentLogs implements Subscription, Consumer<ContainerEvent> {
    private final ContainerRuntime runtime;
    private final String deploymentId;
    private final LogQuery query;
    private final StreamSink<LogLine> sink;
    private final Clock clock;
    private final Consumer<DeploymentLogs> onClose;
    private final ReentrantLock delivery = new ReentrantLock();
    private final Map<String, Subscription> active = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastSeen = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private volatile Instant followStart;
    private int pending;

    DeploymentLogs(
            ContainerRuntime runtime,
            String deploymentId,
            LogQuery query,
            StreamSink<LogLine> sink,
            Clock clock,
            Consumer<DeploymentLogs> onClose) {
        this.runtime = runtime;
        this.deploymentId = deploymentId;
        this.query = query;
        this.sink = sink;
        this.clock = clock;
        this.onClose = onClose;
    }

    private Map<String, String> filters() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put(DeploymentEngine.LABEL_DEPLOYMENT, deploymentId);
        if (!query.service().isBlank()) {
            f.put(DeploymentEngine.LABEL_SERVICE, query.service());
        }
        return f;
    }

    void start() {
        followStart = clock.instant();
        List<ContainerStatus> containers = runtime.list(filters());
        synchronized (this) {
            pending = containers.size();
        }
        if (containers.isEmpty() && !query.follow()) {
            finish(null);
            return;
        }
        for (ContainerStatus c : containers) {
            open(
                    c.id(),
                    c.labels().getOrDefault(DeploymentEngine.LABEL_SERVICE, ""),
                    new LogOptions(query.tail(), query.follow(), query.since()));
        }
    }

    private void open(String containerId, String service, LogOptions options) {
        if (closed || active.putIfAbsent(containerId, () -> {}) != null) {
            return;
        }
        try {
            Subscription s =
                    runtime.logs(containerId, options, new ContainerSink(containerId, service));
            if (active.replace(containerId, s) == null || closed) {
                s.close();
            }
        } catch (NotFoundException e) {
            active.remove(containerId);
            ended(containerId, service);
        }
    }

    /** One container's stream into the merged sink. */
    private final class ContainerSink implements StreamSink<LogLine> {
        private final String containerId;
        private final String service;
        // the lines of one collection round share their stamp: the map is written once a round
        private Instant lastStamp;

        ContainerSink(String containerId, String service) {
            this.containerId = containerId;
            this.service = service;
        }

        @Override
        public void next(LogLine line) throws InterruptedException {
            delivery.lockInterruptibly();
            try {
                if (!closed) {
                    sink.next(line.withService(service));
                    if (!line.timestamp().equals(lastStamp)) {
                        lastStamp = line.timestamp();
                        lastSeen.put(containerId, lastStamp);
                    }
                }
            } finally {
                delivery.unlock();
            }
        }

        @Override
        public void complete() {
            active.remove(containerId);
            ended(containerId, service);
        }

        @Override
        public void error(Throwable failure) {
            active.remove(containerId);
            if (failure instanceof NotFoundException) {
                ended(containerId, service);
            } else {
                finish(failure);
            }
        }
    }

    private void ended(String containerId, String service) {
        if (!query.follow()) {
            boolean last;
            synchronized (this) {
                last = --pending <= 0;
            }
            if (last) {
                finish(null);
            }
            return;
        }
        // restarted before its old stream ended: follow the new run at once
        try {
            if (runtime.inspect(containerId).state() == ContainerState.RUNNING) {
                open(containerId, service, resumeOptions(containerId));
            }
        } catch (NotFoundException e) {
            // removed: a replacement announces itself with its own start
        }
    }

    private LogOptions resumeOptions(String containerId) {
        Instant from = followStart;
        Instant seen = lastSeen.get(containerId);
        if (seen != null && seen.plusNanos(1).isAfter(from)) {
            from = seen.plusNanos(1);
        }
        return new LogOptions(0, true, Optional.of(from));
    }

    @Override
    public void accept(ContainerEvent e) {
        if (closed || !deploymentId.equals(e.labels().get(DeploymentEngine.LABEL_DEPLOYMENT))) {
            return;
        }
        String service = e.labels().getOrDefault(DeploymentEngine.LABEL_SERVICE, "");
        if (!query.service().isBlank() && !query.service().equals(service)) {
            return;
        }
        if (e.type() == ContainerEventType.STARTED) {
            open(e.containerId(), service, resumeOptions(e.containerId()));
        } else if (e.type() == ContainerEventType.REMOVED) {
            Map<String, String> f = new HashMap<>();
            f.put(DeploymentEngine.LABEL_DEPLOYMENT, deploymentId);
            if (runtime.list(f).isEmpty()) {
                finish(null);
            }
        }
    }

    private void finish(Throwable failure) {
        delivery.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (failure == null) {
                sink.complete();
            } else {
                sink.error(failure);
            }
        } finally {
            delivery.unlock();
        }
        release();
    }

    @Override
    public void close() {
        closed = true;
        release();
    }

    private void release() {
        onClose.accept(this);
        for (Subscription s : active.values()) {
            s.close();
        }
        active.clear();
    }
}
