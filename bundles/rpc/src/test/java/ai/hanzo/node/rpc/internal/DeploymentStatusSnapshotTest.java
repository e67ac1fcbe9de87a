package ai.hanzo.node.rpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.proto.v1.ComposeSpec;
import ai.hanzo.node.proto.v1.DeployRequest;
import ai.hanzo.node.proto.v1.ServiceSpec;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * GetStatus's shared deployment list, on a clock the test moves: fresh, stale while its successor
 * is read elsewhere, too old to serve, and after a change through the server.
 */
class DeploymentStatusSnapshotTest {
    private final TestOrchestrator orchestrator = new TestOrchestrator();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final Queue<Runnable> background = new ArrayDeque<>();
    private final Executor reader = background::add;
    private final DeploymentRpcs rpcs =
            new DeploymentRpcs(() -> Optional.of(orchestrator), Runnable::run, reader, now::get);

    private void advanceMillis(long millis) {
        now.addAndGet(millis * 1_000_000L);
    }

    private List<String> ids() {
        return rpcs.statuses().stream().map(s -> s.getDeploymentId()).toList();
    }

    private void deployBehindTheServersBack(String id) {
        // DeploymentRpcs.deploy alone, as another bundle would: only changing() marks the list old
        rpcs.deploy(
                DeployRequest.newBuilder()
                        .setDeploymentId(id)
                        .setSpec(
                                ComposeSpec.newBuilder()
                                        .putServices(
                                                "web",
                                                ServiceSpec.newBuilder()
                                                        .setImage("busybox:local")
                                                        .build()))
                        .build());
    }

    @Test
    void aStaleListIsServedWhileItsSuccessorIsReadOnTheReaderAndAnOldOneIsNot() {
        assertFalse(rpcs.statusesAtHand(), "no list yet");
        assertEquals(List.of(), ids());
        assertEquals(1, orchestrator.statusReaders.size(), "read on the caller's thread");
        assertTrue(rpcs.statusesAtHand());

        deployBehindTheServersBack("d1");
        advanceMillis(100);
        assertEquals(List.of(), ids(), "younger than the max age: the same list");
        assertEquals(1, orchestrator.statusReaders.size());
        assertTrue(background.isEmpty());

        advanceMillis(200);
        assertEquals(List.of(), ids(), "stale: the last list, its successor is being read");
        assertEquals(List.of(), ids(), "one reading at a time");
        assertEquals(1, background.size());
        assertEquals(1, orchestrator.statusReaders.size(), "not on the caller's thread");
        background.remove().run();
        assertEquals(2, orchestrator.statusReaders.size());
        assertEquals(List.of("d1"), ids(), "the successor");

        deployBehindTheServersBack("d2");
        advanceMillis(DeploymentRpcs.STATUS_INLINE_LIMIT.toMillis());
        assertFalse(rpcs.statusesAtHand(), "past the inline limit: GetStatus goes to the pool");
        advanceMillis(
                DeploymentRpcs.STATUS_STALE_LIMIT.toMillis()
                        - DeploymentRpcs.STATUS_INLINE_LIMIT.toMillis());
        assertEquals(List.of("d1", "d2"), ids().stream().sorted().toList(), "too old to serve");
        assertEquals(3, orchestrator.statusReaders.size());
        assertTrue(background.isEmpty());
    }

    @Test
    void aChangeThroughTheServerIsSeenByTheNextCall() {
        assertEquals(List.of(), ids());
        assertTrue(rpcs.statusesAtHand());
        rpcs.changing(
                () -> {
                    deployBehindTheServersBack("d1");
                    return null;
                });
        assertFalse(rpcs.statusesAtHand(), "the list is no longer current");
        assertEquals(List.of("d1"), ids());
        assertEquals(2, orchestrator.statusReaders.size());
    }
}
