package ai.hanzo.node.p2p.internal.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.hanzo.node.p2p.internal.codec.Fuzz;
import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.presence.NodeAnnouncement.CapabilitiesChanged;
import ai.hanzo.node.p2p.internal.presence.NodeAnnouncement.DeploymentChanged;
import ai.hanzo.node.proto.p2p.v1.NodeAnnouncement.ChangeCase;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bundle's own codec of the presence messages against the classes protoc generates from
 * proto/src/main/proto/hanzo/p2p/v1/presence.proto: each side reads what the other writes.
 */
class PresenceWireTest {
    @Test
    void heartbeatReadsAsTheSchemaSays() throws Exception {
        NodeHeartbeat hb =
                new NodeHeartbeat(
                        "node-1",
                        "net",
                        List.of("runtime:docker", "model:minilm"),
                        1250,
                        List.of("/ip4/127.0.0.1/tcp/9000/p2p/12D3KooWx"),
                        1_790_000_000_000L,
                        "hanzo-node/0.1.0");
        var parsed = ai.hanzo.node.proto.p2p.v1.NodeHeartbeat.parseFrom(hb.encode());
        assertEquals("node-1", parsed.getNodeId());
        assertEquals("net", parsed.getNetworkId());
        assertEquals(hb.capabilities(), parsed.getCapabilitiesList());
        assertEquals(1250, parsed.getLoadMilli());
        assertEquals(hb.endpoints(), parsed.getEndpointsList());
        assertEquals(1_790_000_000_000L, parsed.getTimestampMs());
        assertEquals("hanzo-node/0.1.0", parsed.getAgent());
        assertEquals(hb, NodeHeartbeat.decode(parsed.toByteArray()));
    }

    @Test
    void capabilityAnnouncementRoundTripsBothWays() throws Exception {
        NodeAnnouncement a =
                new NodeAnnouncement(
                        "node-1",
                        "net",
                        17,
                        42,
                        new CapabilitiesChanged(
                                List.of("engine:onnxruntime", "model:minilm"),
                                List.of("model:minilm"),
                                List.of("model:old")));
        var parsed = ai.hanzo.node.proto.p2p.v1.NodeAnnouncement.parseFrom(a.encode());
        assertEquals(ChangeCase.CAPABILITIES, parsed.getChangeCase());
        assertEquals(42, parsed.getSequence());
        assertEquals(List.of("model:minilm"), parsed.getCapabilities().getAddedList());
        assertEquals(List.of("model:old"), parsed.getCapabilities().getRemovedList());
        assertEquals(a, NodeAnnouncement.decode(parsed.toByteArray()));
    }

    @Test
    void deploymentAnnouncementWrittenByProtobufDecodes() {
        byte[] wire =
                ai.hanzo.node.proto.p2p.v1.NodeAnnouncement.newBuilder()
                        .setNodeId("n")
                        .setNetworkId("net")
                        .setTimestampMs(5)
                        .setSequence(6)
                        .setDeployment(
                                ai.hanzo.node.proto.p2p.v1.DeploymentChanged.newBuilder()
                                        .setDeploymentId("d-1")
                                        .setState("FAILED")
                                        .setMessage("image not found"))
                        .build()
                        .toByteArray();
        assertEquals(
                new NodeAnnouncement(
                        "n",
                        "net",
                        5,
                        6,
                        new DeploymentChanged("d-1", "FAILED", "image not found")),
                NodeAnnouncement.decode(wire));
    }

    @Test
    void fieldsOfANewerSchemaAreSkippedAndAnUnknownChangeIsNull() {
        UnknownFieldSet extra =
                UnknownFieldSet.newBuilder()
                        .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(7).build())
                        .addField(
                                12,
                                UnknownFieldSet.Field.newBuilder()
                                        .addLengthDelimited(ByteString.copyFromUtf8("a new kind"))
                                        .build())
                        .build();
        byte[] wire =
                ai.hanzo.node.proto.p2p.v1.NodeAnnouncement.newBuilder()
                        .setNodeId("n")
                        .setNetworkId("net")
                        .setSequence(3)
                        .setUnknownFields(extra)
                        .build()
                        .toByteArray();
        NodeAnnouncement a = NodeAnnouncement.decode(wire);
        assertEquals("n", a.nodeId());
        assertEquals(3, a.sequence());
        assertNull(a.change());
    }

    @Test
    void truncatedAnnouncementIsAClearErrorNotAPartialOne() {
        byte[] wire =
                new NodeAnnouncement("node", "net", 1, 2, new DeploymentChanged("d", "RUNNING", ""))
                        .encode();
        byte[] cut = java.util.Arrays.copyOf(wire, wire.length - 3);
        assertThrows(MalformedInputException.class, () -> NodeAnnouncement.decode(cut));
    }

    @Test
    void randomAndMutatedPayloadsAreRejectedCleanly() {
        List<byte[]> seeds =
                List.of(
                        new NodeAnnouncement(
                                        "n",
                                        "net",
                                        1,
                                        2,
                                        new DeploymentChanged("d", "RUNNING", "ok"))
                                .encode(),
                        new NodeAnnouncement(
                                        "n",
                                        "net",
                                        1,
                                        2,
                                        new CapabilitiesChanged(
                                                List.of("a:b"), List.of("a:b"), List.of()))
                                .encode());
        Fuzz.run("announcement", 11, 20_000, seeds, NodeAnnouncement::decode);
        Fuzz.run(
                "heartbeat",
                12,
                20_000,
                List.of(
                        new NodeHeartbeat(
                                        "n",
                                        "net",
                                        List.of("a:b"),
                                        1,
                                        List.of("/ip4/1.2.3.4/tcp/1"),
                                        2,
                                        "x")
                                .encode()),
                NodeHeartbeat::decode);
    }

    @Test
    void listsFromAPeerAreBounded() {
        ai.hanzo.node.proto.p2p.v1.CapabilitiesChanged.Builder huge =
                ai.hanzo.node.proto.p2p.v1.CapabilitiesChanged.newBuilder();
        for (int i = 0; i < 5000; i++) {
            huge.addCapabilities("model:m" + i);
        }
        byte[] wire =
                ai.hanzo.node.proto.p2p.v1.NodeAnnouncement.newBuilder()
                        .setCapabilities(huge)
                        .build()
                        .toByteArray();
        CapabilitiesChanged c = (CapabilitiesChanged) NodeAnnouncement.decode(wire).change();
        assertEquals(NodeAnnouncement.MAX_LIST, c.capabilities().size());
    }
}
