package ai.hanzo.node.p2p.internal.presence;

import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.codec.ProtoReader;
import ai.hanzo.node.p2p.internal.codec.ProtoWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * What a node publishes on {@code hanzo/deployments/v1} when its capabilities or one of its
 * deployments change (schema: proto/src/main/proto/hanzo/p2p/v1/presence.proto).
 *
 * @param nodeId the operator-facing node id
 * @param networkId the network of the node; announcements of other networks are ignored
 * @param timestampMillis when it was sent
 * @param sequence grows with each announcement of one node, across restarts
 * @param change what changed; null when the sender used a kind this version does not know
 */
public record NodeAnnouncement(
        String nodeId, String networkId, long timestampMillis, long sequence, Change change) {
    /** Lists longer than this are cut when decoding, so a peer cannot make this node hold much. */
    static final int MAX_LIST = 256;

    /** A kind of change. */
    public sealed interface Change permits CapabilitiesChanged, DeploymentChanged {}

    /**
     * @param capabilities the whole set after the change
     * @param added what came
     * @param removed what went
     */
    public record CapabilitiesChanged(
            List<String> capabilities, List<String> added, List<String> removed) implements Change {
        /** Copies the lists. */
        public CapabilitiesChanged {
            capabilities = List.copyOf(capabilities);
            added = List.copyOf(added);
            removed = List.copyOf(removed);
        }
    }

    /**
     * @param deploymentId the deployment
     * @param state its new state's name
     * @param message why, for people
     */
    public record DeploymentChanged(String deploymentId, String state, String message)
            implements Change {}

    /**
     * @return the protobuf encoding
     */
    public byte[] encode() {
        ProtoWriter w =
                new ProtoWriter()
                        .string(1, nodeId)
                        .string(2, networkId)
                        .uint(3, timestampMillis)
                        .uint(4, sequence);
        if (change instanceof CapabilitiesChanged c) {
            ProtoWriter cw = new ProtoWriter();
            c.capabilities().forEach(x -> cw.string(1, x));
            c.added().forEach(x -> cw.string(2, x));
            c.removed().forEach(x -> cw.string(3, x));
            w.bytes(10, cw.toByteArray());
        } else if (change instanceof DeploymentChanged d) {
            w.bytes(
                    11,
                    new ProtoWriter()
                            .string(1, d.deploymentId())
                            .string(2, d.state())
                            .string(3, d.message())
                            .toByteArray());
        }
        return w.toByteArray();
    }

    /**
     * @throws MalformedInputException when it is not an announcement
     */
    public static NodeAnnouncement decode(byte[] b) {
        ProtoReader r = new ProtoReader(b);
        String node = "";
        String net = "";
        long ts = 0;
        long seq = 0;
        Change change = null;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> node = r.string();
                case 2 -> net = r.string();
                case 3 -> ts = r.uint();
                case 4 -> seq = r.uint();
                case 10 -> change = decodeCapabilities(r.bytes());
                case 11 -> change = decodeDeployment(r.bytes());
                default -> r.skip();
            }
        }
        return new NodeAnnouncement(node, net, ts, seq, change);
    }

    private static CapabilitiesChanged decodeCapabilities(byte[] b) {
        ProtoReader r = new ProtoReader(b);
        List<String> all = new ArrayList<>();
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        while (r.next()) {
            List<String> target =
                    switch (r.field()) {
                        case 1 -> all;
                        case 2 -> added;
                        case 3 -> removed;
                        default -> null;
                    };
            if (target != null && target.size() < MAX_LIST) {
                target.add(r.string());
            } else {
                r.skip();
            }
        }
        return new CapabilitiesChanged(all, added, removed);
    }

    private static DeploymentChanged decodeDeployment(byte[] b) {
        ProtoReader r = new ProtoReader(b);
        String id = "";
        String state = "";
        String message = "";
        while (r.next()) {
            switch (r.field()) {
                case 1 -> id = r.string();
                case 2 -> state = r.string();
                case 3 -> message = r.string();
                default -> r.skip();
            }
        }
        return new DeploymentChanged(id, state, message);
    }
}
