package ai.hanzo.node.p2p.internal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The admission rules, allow/deny lists and the aggregated problem log, without sockets. */
class ConnectionLimitsTest {
    private static final InetAddress A = ip("192.0.2.1");
    private static final InetAddress B = ip("192.0.2.2");
    private static final InetAddress C = ip("198.51.100.7");

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private InboundAdmission admission(int pendingTotal, int pendingPerAddress, double rate) {
        Libp2pHost.Limits limits =
                new Libp2pHost.Limits(Duration.ofSeconds(10), 4, 16)
                        .withPending(Duration.ofSeconds(2), pendingTotal, pendingPerAddress)
                        .withPerAddress(2, rate);
        return new InboundAdmission(limits, now::get);
    }

    @Test
    void oneAddressCannotHoldMoreThanItsPendingShare() {
        InboundAdmission a = admission(64, 3, 1000);
        for (int i = 0; i < 3; i++) {
            assertNotNull(a.admit(A, () -> {}, false, 0).pending());
        }
        InboundAdmission.Admission refused = a.admit(A, () -> {}, false, 0);
        assertNull(refused.pending());
        assertEquals("per-address pending limit", refused.refusal());
        // another address is not affected
        assertNotNull(a.admit(B, () -> {}, false, 0).pending());
        assertEquals(4, a.pendingCount());
    }

    @Test
    void aNewcomerDisplacesTheBusiestAddressesIdlestOldestPendingConnection() {
        InboundAdmission a = admission(4, 4, 1000);
        List<InboundAdmission.Pending> fromA = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            now.addAndGet(1_000_000);
            fromA.add(a.admit(A, () -> {}, false, 0).pending());
        }
        // the oldest one has sent bytes: the next oldest idle one goes first
        a.progressed(fromA.get(0), 1);
        InboundAdmission.Admission b = a.admit(B, () -> {}, false, 0);
        assertNotNull(b.pending());
        assertSame(fromA.get(1), b.evicted());
        assertEquals(4, a.pendingCount());
        // an address that would itself become the busiest is refused instead
        InboundAdmission.Admission again = a.admit(A, () -> {}, false, 0);
        assertNull(again.pending());
        assertEquals("pending limit", again.refusal());
        // the displaced connection cannot come back as established
        assertEquals("displaced while pending", a.upgraded(fromA.get(1), 0));
    }

    @Test
    void newConnectionsPerAddressAreRateLimited() {
        InboundAdmission a = admission(64, 64, 2);
        int admitted = 0;
        for (int i = 0; i < 10; i++) {
            InboundAdmission.Admission x = a.admit(A, () -> {}, false, 0);
            if (x.pending() != null) {
                admitted++;
                a.closed(x.pending());
            } else {
                assertEquals("new-connection rate limit", x.refusal());
            }
        }
        assertEquals(4, admitted, "a burst of twice the rate");
        now.addAndGet(1_000_000_000L);
        assertNotNull(a.admit(A, () -> {}, false, 0).pending());
        assertNotNull(a.admit(A, () -> {}, false, 0).pending());
        assertNull(a.admit(A, () -> {}, false, 0).pending());
    }

    @Test
    void establishedConnectionsAreCappedPerAddressAndInTotalAndStay() {
        InboundAdmission a = admission(64, 8, 1000);
        InboundAdmission.Pending p1 = a.admit(A, () -> {}, false, 0).pending();
        InboundAdmission.Pending p2 = a.admit(A, () -> {}, false, 1).pending();
        InboundAdmission.Pending p3 = a.admit(A, () -> {}, false, 2).pending();
        assertNull(a.upgraded(p1, 0));
        assertNull(a.upgraded(p2, 1));
        assertEquals("per-address connection limit", a.upgraded(p3, 2));
        assertEquals(2, a.establishedFrom(A));
        // a full host refuses newcomers at once; what it holds is untouched
        assertEquals("connection limit", a.admit(B, () -> {}, false, 4).refusal());
        assertEquals(2, a.establishedFrom(A));
        a.closed(p1);
        assertEquals(1, a.establishedFrom(A));
        assertNull(a.upgraded(a.admit(A, () -> {}, false, 1).pending(), 1));
        assertEquals("per-address connection limit", a.admit(A, () -> {}, false, 2).refusal());
    }

    @Test
    void trustedAddressesSkipEveryLimit() {
        InboundAdmission a = admission(1, 1, 0.5);
        for (int i = 0; i < 20; i++) {
            InboundAdmission.Admission x = a.admit(C, () -> {}, true, 100);
            assertNotNull(x.pending());
            assertNull(a.upgraded(x.pending(), 100));
        }
        assertEquals(0, a.pendingCount());
    }

    @Test
    void accessListsMatchAddressesBlocksAndPeers() {
        PeerId friend = IdentityKey.generate().peerId();
        PeerId foe = IdentityKey.generate().peerId();
        AccessLists lists =
                new AccessLists(
                        List.of("10.0.0.0/8", "2001:db8::/32", friend.toString()),
                        List.of("10.1.2.3", "192.0.2.0/24", foe.toString()));
        assertEquals(ConnectionGater.Verdict.TRUSTED, lists.address(ip("10.9.9.9")));
        assertEquals(ConnectionGater.Verdict.DENY, lists.address(ip("10.1.2.3")));
        assertEquals(ConnectionGater.Verdict.DENY, lists.address(A));
        assertEquals(ConnectionGater.Verdict.LIMITED, lists.address(C));
        assertEquals(ConnectionGater.Verdict.TRUSTED, lists.address(ip("2001:db8:1::5")));
        assertEquals(ConnectionGater.Verdict.LIMITED, lists.address(ip("2001:db9::5")));
        assertEquals(ConnectionGater.Verdict.TRUSTED, lists.peer(friend));
        assertEquals(ConnectionGater.Verdict.DENY, lists.peer(foe));
        assertEquals(ConnectionGater.Verdict.LIMITED, lists.peer(IdentityKey.generate().peerId()));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new AccessLists(List.of("example.com"), List.of()));
        assertTrue(e.getMessage().contains("'example.com'"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> new AccessLists(List.of(), List.of("10.0.0.0/33")));
    }

    @Test
    void problemsAreSummarisedOncePerIntervalWithTheTopSources() {
        List<String> lines = new ArrayList<>();
        PeerProblemLog log = new PeerProblemLog(lines::add);
        for (int i = 0; i < 10_000; i++) {
            log.record("refused: pending limit", "192.0.2.1", "limit reached");
        }
        for (int i = 0; i < 300; i++) {
            log.record("closed: protocol error", "198.51.100." + (i % 7), "bad noise");
        }
        for (int i = 0; i < PeerProblemLog.MAX_SOURCES + 10; i++) {
            log.record("refused: rate", "s" + i, "x");
        }
        String line = log.flush("60 s").orElseThrow();
        assertEquals(List.of(line), lines);
        assertTrue(line.startsWith("Peer problems in the last 60 s: 14406 ("), line);
        assertTrue(line.contains("refused: pending limit 10000"), line);
        assertTrue(line.contains("closed: protocol error 300"), line);
        assertTrue(line.contains("top sources: 192.0.2.1 (10000), 198.51.100.0 (43)"), line);
        assertTrue(line.contains("events from sources not counted"), line);
        // nothing new: nothing written
        assertTrue(log.flush("60 s").isEmpty());
        assertEquals(1, lines.size());
        AtomicInteger n = new AtomicInteger();
        PeerProblemLog quiet = new PeerProblemLog(l -> n.incrementAndGet());
        assertTrue(quiet.flush("60 s").isEmpty());
        assertEquals(0, n.get());
    }
}
