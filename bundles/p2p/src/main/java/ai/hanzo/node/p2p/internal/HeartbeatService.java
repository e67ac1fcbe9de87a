package ai.hanzo.node.p2p.internal;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.p2p.PubsubMessage;
import ai.hanzo.node.api.p2p.Topics;
import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import io.netty.util.concurrent.ScheduledFuture;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes this node's heartbeat on {@code hanzo/heartbeat/v1} at a fixed interval and keeps the
 * latest heartbeat of each peer of the same network (bounded).
 */
public final class HeartbeatService implements AutoCloseable {
    private static final int MAX_TRACKED = 10_000;

    private final Logger logger = LoggerFactory.getLogger(HeartbeatService.class);
    private final P2pNode node;
    private final String nodeId;
    private final String networkId;
    private final Supplier<List<String>> capabilities;
    private final Subscription subscription;
    private final ScheduledFuture<?> timer;
    private final Map<String, NodeHeartbeat> latest = new ConcurrentHashMap<>();

    /** Subscribes and starts publishing every {@code interval}. */
    public HeartbeatService(P2pNode node, String nodeId, String networkId, Supplier<List<String>> capabilities, Duration interval) {
        this.node = node;
        this.nodeId = nodeId;
        this.networkId = networkId;
        this.capabilities = capabilities;
        this.subscription = node.subscribe(Topics.HEARTBEAT, this::received);
        this.timer = node.host().group().next().scheduleAtFixedRate(this::publish, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** @return the latest heartbeat per peer id */
    public Map<String, NodeHeartbeat> latest() {
        return Map.copyOf(latest);
    }

    /** Publishes one heartbeat now. */
    public void publish() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        NodeHeartbeat hb = new NodeHeartbeat(nodeId, networkId, capabilities.get(), load < 0 ? 0 : Math.round(load * 1000),
                node.listenAddresses(), System.currentTimeMillis(), P2pNode.AGENT);
        node.publish(Topics.HEARTBEAT, hb.encode()).whenComplete((v, e) -> {
            if (e != null) {
                logger.debug("Heartbeat not sent: {}", P2pNode.rootMessage(e));
            }
        });
    }

    private void received(PubsubMessage m) {
        try {
            NodeHeartbeat hb = NodeHeartbeat.decode(m.data());
            if (!networkId.equals(hb.networkId())) {
                logger.debug("Ignoring a heartbeat from {} of network {}", m.from(), hb.networkId());
                return;
            }
            if (latest.size() < MAX_TRACKED || latest.containsKey(m.from())) {
                latest.put(m.from(), hb);
            }
        } catch (MalformedInputException e) {
            logger.debug("Ignoring an undecodable heartbeat from {}: {}", m.from(), e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.cancel(false);
        subscription.close();
    }
}
