package ai.hanzo.node.p2p.internal.pubsub;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.p2p.PubsubMessage;
import ai.hanzo.node.p2p.internal.LocalNodesTest;
import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.codec.LengthPrefixed;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import ai.hanzo.node.p2p.internal.transport.Connection;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import ai.hanzo.node.p2p.internal.transport.StreamHandler;
import ai.hanzo.node.p2p.internal.transport.YamuxStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** gossipsub v1.1 behaviour between real nodes, and against a hand-driven peer that misbehaves. */
class GossipsubV11Test extends LocalNodesTest {
    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final Duration HEARTBEAT = Duration.ofMillis(200);

    /**
     * Default scoring, but PX is followed from any non-negative peer (no peer here can earn a high
     * score quickly).
     */
    private static final GossipsubConfig PX_FROM_ANYONE =
            GossipsubConfig.defaults().withThresholds(new ScoreThresholds(-10, -50, -80, 0, 5));

    private P2pNode node(GossipsubConfig config) {
        return node(config, HEARTBEAT);
    }

    private P2pNode node(GossipsubConfig config, Duration heartbeat) {
        return start(
                new P2pNode.Settings(
                        Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
                        List.of(),
                        Libp2pHost.Limits.defaults(),
                        heartbeat),
                config);
    }

    /** A peer driven by hand: writes whatever RPC the test wants and records what it gets. */
    private final class RawPeer {
        final IdentityKey key = IdentityKey.generate();
        final Libp2pHost host = new Libp2pHost(key, group(), Libp2pHost.Limits.defaults());
        final List<PubsubRpc> received = new CopyOnWriteArrayList<>();
        YamuxStream out;
        long seq;

        RawPeer(P2pNode target) throws Exception {
            closeAfter(host::close);
            host.handle(
                    Gossipsub.MESHSUB_11,
                    () ->
                            new StreamHandler() {
                                @Override
                                public void onData(YamuxStream stream, ByteBuf in) {
                                    byte[] f;
                                    while ((f = LengthPrefixed.tryRead(in, 1 << 20)) != null) {
                                        received.add(PubsubRpc.decode(f));
                                    }
                                }
                            });
            Connection c =
                    host.dial(Multiaddr.parse(target.listenAddresses().get(0)))
                            .get(10, TimeUnit.SECONDS);
            out =
                    host.newStream(
                                    c,
                                    List.of(Gossipsub.MESHSUB_11),
                                    new StreamHandler() {
                                        @Override
                                        public void onData(YamuxStream stream, ByteBuf in) {
                                            in.skipBytes(in.readableBytes());
                                        }
                                    })
                            .get(10, TimeUnit.SECONDS);
        }

        PeerId id() {
            return host.peerId();
        }

        void send(PubsubRpc rpc) {
            out.write(LengthPrefixed.encode(Unpooled.buffer().alloc(), rpc.encode()));
        }

        void send(
                List<PubsubRpc.SubOpts> subs,
                List<PubsubRpc.Message> msgs,
                PubsubRpc.Control control) {
            send(PubsubRpc.of(subs, msgs, control));
        }

        /** A message properly signed by this peer. */
        PubsubRpc.Message message(String topic, String text) {
            return signed(key, key, topic, text);
        }

        /** A message claiming {@code author} but signed by {@code signer}. */
        PubsubRpc.Message signed(
                IdentityKey author, IdentityKey signer, String topic, String text) {
            byte[] s = ByteBuffer.allocate(8).putLong(++seq).array();
            byte[] data = text.getBytes(StandardCharsets.UTF_8);
            PubsubRpc.Message unsigned =
                    new PubsubRpc.Message(author.peerId().toBytes(), data, s, topic, null, null);
            byte[] sig =
                    signer.sign(
                            concat(
                                    "libp2p-pubsub:".getBytes(StandardCharsets.US_ASCII),
                                    unsigned.signedBytes()));
            return new PubsubRpc.Message(author.peerId().toBytes(), data, s, topic, sig, null);
        }

        boolean gotPrune(String topic) {
            return received.stream()
                    .flatMap(r -> r.control().prune().stream())
                    .anyMatch(p -> p.topic().equals(topic) && p.backoffSeconds() > 0);
        }
    }

    private static PubsubRpc.Control control(
            List<PubsubRpc.IHave> ihave, List<String> graft, List<PubsubRpc.Prune> prune) {
        return new PubsubRpc.Control(ihave, List.of(), graft, prune);
    }

    private static List<PubsubRpc.SubOpts> subscribe(String topic) {
        return List.of(new PubsubRpc.SubOpts(true, topic));
    }

    private static boolean has(List<PubsubMessage> got, String text) {
        return got.stream()
                .anyMatch(m -> new String(m.data(), StandardCharsets.UTF_8).equals(text));
    }

    @Test
    void aGraftDuringBackoffIsPenalisedAndAnsweredWithPrune() throws Exception {
        P2pNode victim = node(GossipsubConfig.defaults());
        closeAfter(victim.subscribe("t", m -> {})::close);
        RawPeer peer = new RawPeer(victim);
        // the peer leaves the mesh itself, which starts a backoff on both sides ...
        peer.send(
                subscribe("t"),
                List.of(),
                control(List.of(), List.of(), List.of(new PubsubRpc.Prune("t", 60))));
        // ... and then grafts again at once, three times
        for (int i = 0; i < 3; i++) {
            peer.send(List.of(), List.of(), control(List.of(), List.of("t"), List.of()));
        }
        await().atMost(WAIT).until(() -> peer.gotPrune("t"));
        await().atMost(WAIT).until(() -> victim.pubsub().score(peer.id()).join() < 0);
        assertFalse(victim.pubsub().meshPeers("t").join().contains(peer.id()));
    }

    @Test
    void messageIdsAreTheSpecsAndJsLibp2psFormIsUnderstoodAndAnsweredInKind() throws Exception {
        // the IWANTs below are served from the message cache, which keeps a message for 5
        // heartbeats: at 200 ms a loaded machine (load 10-15) let it expire between the steps
        // (the IWANT went unanswered for 45 s); 1 s heartbeats keep it 5 s
        P2pNode victim = node(GossipsubConfig.defaults(), Duration.ofSeconds(1));
        closeAfter(victim.subscribe("t", m -> {})::close);
        RawPeer peer = new RawPeer(victim);
        // out of the victim's mesh (a backoff): it gets the victim's messages by gossip
        peer.send(
                subscribe("t"),
                List.of(),
                control(List.of(), List.of(), List.of(new PubsubRpc.Prune("t", 60))));
        await().atMost(WAIT)
                .until(() -> victim.pubsub().topicPeers("t").join().contains(peer.id()));
        victim.publish("t", "hello".getBytes(StandardCharsets.UTF_8))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> messages(peer, "hello") == 1);
        byte[] seqno =
                peer.received.stream()
                        .flatMap(r -> r.messages().stream())
                        .findFirst()
                        .orElseThrow()
                        .seqno();
        byte[] spec = concat(victim.host().peerId().toBytes(), seqno);
        byte[] js = concat(victim.host().identity().publicKeyProtobuf(), seqno);
        // the spec's from + seqno in IHAVE to a peer that has not shown js-libp2p's form
        await().atMost(WAIT).until(() -> advertised(peer, spec));

        // an IWANT in js-libp2p's form is served
        peer.send(
                PubsubRpc.of(
                        List.of(),
                        List.of(),
                        new PubsubRpc.Control(List.of(), List.of(js), List.of(), List.of())));
        await().atMost(WAIT).until(() -> messages(peer, "hello") == 2);

        // an IHAVE in js-libp2p's form: the known id is not asked for, the new one is, as sent
        PubsubRpc.Message fresh = peer.message("t", "fresh");
        byte[] freshJs = concat(peer.key.publicKeyProtobuf(), fresh.seqno());
        peer.send(
                List.of(),
                List.of(),
                control(
                        List.of(new PubsubRpc.IHave("t", List.of(js, freshJs))),
                        List.of(),
                        List.of()));
        await().atMost(WAIT)
                .until(
                        () ->
                                peer.received.stream()
                                        .flatMap(r -> r.control().iwant().stream())
                                        .anyMatch(id -> Arrays.equals(id, freshJs)));
        assertFalse(
                peer.received.stream()
                        .flatMap(r -> r.control().iwant().stream())
                        .anyMatch(id -> Arrays.equals(id, js)));
        // from now on the victim gossips to this peer in its form
        peer.send(List.of(), List.of(fresh), null);
        await().atMost(WAIT).until(() -> advertised(peer, freshJs));
        assertFalse(advertised(peer, concat(peer.id().toBytes(), fresh.seqno())));
    }

    private static long messages(RawPeer peer, String text) {
        return peer.received.stream()
                .flatMap(r -> r.messages().stream())
                .filter(m -> new String(m.data(), StandardCharsets.UTF_8).equals(text))
                .count();
    }

    private static boolean advertised(RawPeer peer, byte[] id) {
        return peer.received.stream()
                .flatMap(r -> r.control().ihave().stream())
                .flatMap(ih -> ih.ids().stream())
                .anyMatch(x -> Arrays.equals(x, id));
    }

    @Test
    void brokenIwantPromisesArePenalised() throws Exception {
        P2pNode victim = node(GossipsubConfig.defaults());
        closeAfter(victim.subscribe("t", m -> {})::close);
        RawPeer peer = new RawPeer(victim);
        peer.send(subscribe("t"), List.of(), null);
        Random random = new Random(7);
        List<byte[]> advertised = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            byte[] bogus = new byte[40];
            random.nextBytes(bogus);
            advertised.add(bogus);
            // one IHAVE per RPC: each elicits an IWANT with a tracked promise
            peer.send(
                    List.of(),
                    List.of(),
                    control(
                            List.of(new PubsubRpc.IHave("t", List.of(bogus))),
                            List.of(),
                            List.of()));
        }
        await().atMost(WAIT)
                .until(
                        () ->
                                peer.received.stream()
                                        .flatMap(r -> r.control().iwant().stream())
                                        .anyMatch(
                                                id ->
                                                        advertised.stream()
                                                                .anyMatch(
                                                                        a ->
                                                                                Arrays.equals(
                                                                                        a, id))));
        // the peer never delivers: after the follow-up time each broken promise adds to P7
        await().atMost(WAIT).until(() -> victim.pubsub().score(peer.id()).join() < 0);
    }

    @Test
    void aPeerSendingInvalidMessagesIsGraylistedAndItsMessagesIgnored() throws Exception {
        P2pNode victim = node(GossipsubConfig.defaults());
        P2pNode honest = node(GossipsubConfig.defaults());
        List<PubsubMessage> got = new CopyOnWriteArrayList<>();
        closeAfter(victim.subscribe("t", got::add)::close);
        closeAfter(honest.subscribe("t", m -> {})::close);
        honest.connect(victim.listenAddresses().get(0))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        RawPeer attacker = new RawPeer(victim);
        // while its score is fine, its messages are delivered
        attacker.send(subscribe("t"), List.of(attacker.message("t", "before")), null);
        await().atMost(WAIT).until(() -> has(got, "before"));
        // messages claiming another author but signed by the attacker: each is invalid (P4)
        IdentityKey someoneElse = IdentityKey.generate();
        List<PubsubRpc.Message> forged = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            forged.add(attacker.signed(someoneElse, attacker.key, "t", "forged " + i));
        }
        attacker.send(List.of(), forged, null);
        double graylist = victim.pubsub().config().thresholds().graylist();
        await().atMost(WAIT).until(() -> victim.pubsub().score(attacker.id()).join() < graylist);
        long ignoredBefore = victim.pubsub().graylistedRpcs().join();
        // a valid message now is dropped with the whole RPC
        attacker.send(List.of(), List.of(attacker.message("t", "after")), null);
        await().atMost(WAIT).until(() -> victim.pubsub().graylistedRpcs().join() > ignoredBefore);
        // the honest peer still gets through
        await().atMost(WAIT)
                .until(
                        () ->
                                victim.pubsub()
                                        .topicPeers("t")
                                        .join()
                                        .contains(PeerId.parse(honest.localPeerId())));
        await().atMost(WAIT)
                .until(
                        () ->
                                honest.pubsub()
                                        .topicPeers("t")
                                        .join()
                                        .contains(PeerId.parse(victim.localPeerId())));
        honest.publish("t", "honest".getBytes(StandardCharsets.UTF_8))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> has(got, "honest"));
        assertFalse(has(got, "after"), "a message from a graylisted peer was delivered");
        assertTrue(
                got.stream()
                        .noneMatch(
                                m ->
                                        new String(m.data(), StandardCharsets.UTF_8)
                                                .startsWith("forged")));
    }

    @Test
    void validatorsAcceptRejectWithPenaltyOrIgnoreWithout() throws Exception {
        P2pNode victim = node(GossipsubConfig.defaults());
        List<PubsubMessage> got = new CopyOnWriteArrayList<>();
        closeAfter(victim.subscribe("t", got::add)::close);
        closeAfter(
                victim.pubsub()
                        .addValidator(
                                "t",
                                m -> {
                                    String text = new String(m.data(), StandardCharsets.UTF_8);
                                    return text.startsWith("reject")
                                            ? MessageValidator.Result.REJECT
                                            : text.startsWith("ignore")
                                                    ? MessageValidator.Result.IGNORE
                                                    : MessageValidator.Result.ACCEPT;
                                }));
        RawPeer peer = new RawPeer(victim);
        // one stream, so each message is handled before the next
        peer.send(
                subscribe("t"),
                List.of(peer.message("t", "ignore me"), peer.message("t", "ok 1")),
                null);
        await().atMost(WAIT).until(() -> has(got, "ok 1"));
        assertFalse(has(got, "ignore me"));
        assertTrue(
                victim.pubsub().score(peer.id()).join() >= 0, "an ignored message was penalised");
        peer.send(
                List.of(),
                List.of(peer.message("t", "reject me"), peer.message("t", "ok 2")),
                null);
        await().atMost(WAIT).until(() -> has(got, "ok 2"));
        assertFalse(has(got, "reject me"));
        assertTrue(
                victim.pubsub().score(peer.id()).join() < 0,
                "a rejected message was not penalised");
    }

    @Test
    void malformedAndHostileControlNeverBreaksTheRouter() throws Exception {
        P2pNode victim = node(PX_FROM_ANYONE);
        List<PubsubMessage> got = new CopyOnWriteArrayList<>();
        closeAfter(victim.subscribe("t", got::add)::close);
        RawPeer peer = new RawPeer(victim);
        peer.send(subscribe("t"), List.of(), null);
        Random random = new Random(11);
        List<PubsubRpc.PxPeer> px = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            byte[] junk = new byte[random.nextInt(50)];
            random.nextBytes(junk);
            // garbage ids, real ids with garbage records, real ids with records of someone else
            byte[] id = i % 3 == 0 ? junk : IdentityKey.generate().peerId().toBytes();
            byte[] record =
                    i % 3 == 1
                            ? junk
                            : i % 3 == 2
                                    ? SignedPeerRecord.seal(
                                            IdentityKey.generate(),
                                            1,
                                            List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/1")))
                                    : null;
            px.add(new PubsubRpc.PxPeer(id, record));
        }
        List<String> graftJunk = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            graftJunk.add("unknown-" + i);
        }
        peer.send(
                List.of(),
                List.of(),
                control(
                        List.of(new PubsubRpc.IHave("", List.of(new byte[0]))),
                        graftJunk,
                        List.of(
                                new PubsubRpc.Prune("t", Long.MAX_VALUE, px),
                                new PubsubRpc.Prune("", 0, px.subList(0, 10)))));
        peer.send(
                PubsubRpc.of(
                        List.of(),
                        List.of(new PubsubRpc.Message(null, null, null, null, null, null)),
                        new PubsubRpc.Control(
                                List.of(),
                                List.of(new byte[0], new byte[5000]),
                                List.of(""),
                                List.of())));
        // the router still works for this very peer, and did not dial the flood of offered peers
        peer.send(List.of(), List.of(peer.message("t", "still fine")), null);
        await().atMost(WAIT).until(() -> has(got, "still fine"));
        assertTrue(
                victim.host().connections().size()
                        <= 1 + victim.pubsub().config().pxMaxPendingDials());
    }

    @Test
    void peerExchangeLetsPrunedNodesFindNewMeshPeers() throws Exception {
        // a hub that keeps a mesh of 2 (at most 3) and offers PX to the peers it turns away
        P2pNode hub = node(PX_FROM_ANYONE.withDegrees(2, 1, 3, 1, 0));
        closeAfter(hub.subscribe("t", m -> {})::close);
        List<P2pNode> leaves = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            P2pNode leaf = node(PX_FROM_ANYONE);
            closeAfter(leaf.subscribe("t", m -> {})::close);
            // each leaf knows only the hub
            leaf.connect(hub.listenAddresses().get(0))
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            leaves.add(leaf);
        }
        PeerId hubId = PeerId.parse(hub.localPeerId());
        // leaves the hub turned away learn other leaves through PX, connect to them and mesh with
        // them; the wait
        // stays under the node's 60 s DHT maintenance, the other way leaves could meet
        await().atMost(Duration.ofSeconds(50))
                .until(
                        () ->
                                leaves.stream()
                                        .anyMatch(
                                                l ->
                                                        l.pubsub().pxConnections().join() > 0
                                                                && l
                                                                        .pubsub()
                                                                        .meshPeers("t")
                                                                        .join()
                                                                        .stream()
                                                                        .anyMatch(
                                                                                p ->
                                                                                        !p.equals(
                                                                                                hubId))));
        assertTrue(hub.pubsub().meshPeers("t").join().size() <= 3);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
