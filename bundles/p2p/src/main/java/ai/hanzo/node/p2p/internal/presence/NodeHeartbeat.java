package ai.hanzo.node.p2p.internal.presence;

import ai.hanzo.node.p2p.internal.codec.ProtoReader;
import ai.hanzo.node.p2p.internal.codec.ProtoWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The heartbeat a node publishes on {@code hanzo/heartbeat/v1} (schema:
 * proto/src/main/proto/hanzo/p2p/v1/presence.proto). Its authenticity comes from the gossipsub
 * message signature by the author's peer key.
 *
 * @param nodeId the operator-facing node id
 * @param networkId the network this node belongs to; heartbeats of other networks are ignored
 * @param capabilities what the node offers (runtimes, models, accelerators)
 * @param loadMilli the one-minute system load average times 1000
 * @param endpoints the multiaddrs the node is reachable on
 * @param timestampMillis when it was sent
 * @param agent the software version
 */
public record NodeHeartbeat(
        String nodeId,
        String networkId,
        List<String> capabilities,
        long loadMilli,
        List<String> endpoints,
        long timestampMillis,
        String agent) {
    /** Copies the lists. */
    public NodeHeartbeat {
        capabilities = List.copyOf(capabilities);
        endpoints = List.copyOf(endpoints);
    }

    /**
     * @return the protobuf encoding
     */
    public byte[] encode() {
        ProtoWriter w = new ProtoWriter().string(1, nodeId).string(2, networkId);
        capabilities.forEach(c -> w.string(3, c));
        w.uint(4, loadMilli);
        endpoints.forEach(e -> w.string(5, e));
        w.uint(6, timestampMillis).string(7, agent);
        return w.toByteArray();
    }

    /**
     * @throws ai.hanzo.node.p2p.internal.codec.MalformedInputException when it is not a heartbeat
     */
    public static NodeHeartbeat decode(byte[] b) {
        ProtoReader r = new ProtoReader(b);
        String node = "";
        String net = "";
        List<String> caps = new ArrayList<>();
        long load = 0;
        List<String> eps = new ArrayList<>();
        long ts = 0;
        String agent = "";
        while (r.next()) {
            switch (r.field()) {
                case 1 -> node = r.string();
                case 2 -> net = r.string();
                case 3 -> {
                    if (caps.size() < 256) {
                        caps.add(r.string());
                    } else {
                        r.skip();
                    }
                }
                case 4 -> load = r.uint();
                case 5 -> {
                    if (eps.size() < 32) {
                        eps.add(r.string());
                    } else {
                        r.skip();
                    }
                }
                case 6 -> ts = r.uint();
                case 7 -> agent = r.string();
                default -> r.skip();
            }
        }
        return new NodeHeartbeat(node, net, caps, load, eps, ts, agent);
    }
}
