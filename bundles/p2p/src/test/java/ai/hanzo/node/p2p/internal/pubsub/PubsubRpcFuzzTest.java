package ai.hanzo.node.p2p.internal.pubsub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.hanzo.node.p2p.internal.codec.Fuzz;
import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

class PubsubRpcFuzzTest {
    @Test
    void rpcsRoundTripAndGarbageIsRejectedCleanly() {
        PubsubRpc rpc =
                PubsubRpc.of(
                        List.of(new PubsubRpc.SubOpts(true, "t")),
                        List.of(
                                new PubsubRpc.Message(
                                        new byte[] {0, 1, 2},
                                        new byte[] {9},
                                        new byte[8],
                                        "t",
                                        new byte[64],
                                        null)),
                        new PubsubRpc.Control(
                                List.of(new PubsubRpc.IHave("t", List.of(new byte[] {1}))),
                                List.of(new byte[] {2}),
                                List.of("t"),
                                List.of(new PubsubRpc.Prune("t", 60))));
        PubsubRpc back = PubsubRpc.decode(rpc.encode());
        assertEquals("t", back.subscriptions().get(0).topic());
        assertEquals(60, back.control().prune().get(0).backoffSeconds());
        assertEquals(1, back.control().ihave().get(0).ids().size());
        PubsubRpc withPx =
                PubsubRpc.of(
                        List.of(),
                        List.of(),
                        new PubsubRpc.Control(
                                List.of(),
                                List.of(),
                                List.of(),
                                List.of(
                                        new PubsubRpc.Prune(
                                                "t",
                                                30,
                                                List.of(
                                                        new PubsubRpc.PxPeer(
                                                                new byte[] {1, 2}, null),
                                                        new PubsubRpc.PxPeer(
                                                                new byte[] {3},
                                                                new byte[] {4, 5}))))));
        Fuzz.run(
                "pubsub rpc", 7, 20_000, List.of(rpc.encode(), withPx.encode()), PubsubRpc::decode);
    }

    @Test
    void pruneCarriesPeerExchangeAndItsSizeIsBounded() {
        PubsubRpc.Prune prune =
                new PubsubRpc.Prune(
                        "t",
                        30,
                        List.of(
                                new PubsubRpc.PxPeer(new byte[] {1, 2}, null),
                                new PubsubRpc.PxPeer(new byte[] {3}, new byte[] {4, 5})));
        PubsubRpc back =
                PubsubRpc.decode(
                        PubsubRpc.of(
                                        List.of(),
                                        List.of(),
                                        new PubsubRpc.Control(
                                                List.of(), List.of(), List.of(), List.of(prune)))
                                .encode());
        PubsubRpc.Prune p = back.control().prune().get(0);
        assertEquals(30, p.backoffSeconds());
        assertEquals(2, p.peers().size());
        assertArrayEquals(new byte[] {1, 2}, p.peers().get(0).peerId());
        assertNull(p.peers().get(0).signedPeerRecord());
        assertArrayEquals(new byte[] {4, 5}, p.peers().get(1).signedPeerRecord());
        List<PubsubRpc.PxPeer> flood =
                java.util.Collections.nCopies(
                        PubsubRpc.MAX_ITEMS + 1, new PubsubRpc.PxPeer(new byte[] {1}, null));
        byte[] tooMany =
                PubsubRpc.of(
                                List.of(),
                                List.of(),
                                new PubsubRpc.Control(
                                        List.of(),
                                        List.of(),
                                        List.of(),
                                        List.of(new PubsubRpc.Prune("t", 30, flood))))
                        .encode();
        assertThrows(MalformedInputException.class, () -> PubsubRpc.decode(tooMany));
    }
}
