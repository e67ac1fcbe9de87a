package ai.hanzo.node.p2p.internal.pubsub;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.hanzo.node.p2p.internal.codec.Fuzz;
import java.util.List;
import org.junit.jupiter.api.Test;

class PubsubRpcFuzzTest {
    @Test
    void rpcsRoundTripAndGarbageIsRejectedCleanly() {
        PubsubRpc rpc = PubsubRpc.of(List.of(new PubsubRpc.SubOpts(true, "t")),
                List.of(new PubsubRpc.Message(new byte[] {0, 1, 2}, new byte[] {9}, new byte[8], "t", new byte[64], null)),
                new PubsubRpc.Control(List.of(new PubsubRpc.IHave("t", List.of(new byte[] {1}))), List.of(new byte[] {2}),
                        List.of("t"), List.of(new PubsubRpc.Prune("t", 60))));
        PubsubRpc back = PubsubRpc.decode(rpc.encode());
        assertEquals("t", back.subscriptions().get(0).topic());
        assertEquals(60, back.control().prune().get(0).backoffSeconds());
        assertEquals(1, back.control().ihave().get(0).ids().size());
        Fuzz.run("pubsub rpc", 7, 20_000, List.of(rpc.encode()), PubsubRpc::decode);
    }
}
