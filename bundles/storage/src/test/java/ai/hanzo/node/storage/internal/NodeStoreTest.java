package ai.hanzo.node.storage.internal;

import static ai.hanzo.node.storage.internal.Fixtures.container;
import static ai.hanzo.node.storage.internal.Fixtures.deployment;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.ResourceExhaustedException;
import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.compute.ContainerRecord;
import ai.hanzo.node.api.compute.Deployment;
import ai.hanzo.node.api.compute.DeploymentState;
import ai.hanzo.node.api.store.KvChange;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeStoreTest {
    @TempDir Path dir;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void deploymentsSurviveReopenWithEveryField() {
        Deployment d = deployment("d1");
        try (var ignored = closing(Fixtures.open(dir))) {
            ignored.store.putDeployment(d);
            ignored.store.putDeployment(
                    deployment("d2")
                            .withState(DeploymentState.FAILED, "image missing", Fixtures.T0));
        }
        try (var s = closing(Fixtures.open(dir))) {
            assertEquals(d, s.store.deployment("d1").orElseThrow());
            assertEquals(
                    Set.of("d1", "d2"),
                    s.store.deployments().stream().map(Deployment::id).collect(Collectors.toSet()));
            assertTrue(s.store.deleteDeployment("d1"));
            assertFalse(s.store.deleteDeployment("d1"));
            assertTrue(s.store.deployment("d1").isEmpty());
        }
    }

    /** Deployments hold environment values (secrets): the store is the node user's alone. */
    @Test
    void storeDirectoryIs0700AndItsFiles0600() throws Exception {
        try (var s = closing(Fixtures.open(dir))) {
            s.store.putDeployment(deployment("d1"));
            assertEquals(
                    "rwx------",
                    java.nio.file.attribute.PosixFilePermissions.toString(
                            java.nio.file.Files.getPosixFilePermissions(dir)));
            List<Path> files;
            try (var list = java.nio.file.Files.list(dir)) {
                files = list.toList();
            }
            assertTrue(files.size() >= 5, "store files: " + files);
            for (Path f : files) {
                assertEquals(
                        "rw-------",
                        java.nio.file.attribute.PosixFilePermissions.toString(
                                java.nio.file.Files.getPosixFilePermissions(f)),
                        f.toString());
            }
        }
    }

    @Test
    void containersOfFollowsPutsMovesAndDeletes() {
        try (var s = closing(Fixtures.open(dir))) {
            s.store.putContainer(container("c1", "d1"));
            s.store.putContainer(container("c2", "d1"));
            s.store.putContainer(container("c3", "d2"));
            assertEquals(Set.of("c1", "c2"), ids(s.store.containersOf("d1")));

            s.store.putContainer(container("c2", "d2")); // moved to another deployment
            assertEquals(Set.of("c1"), ids(s.store.containersOf("d1")));
            assertEquals(Set.of("c2", "c3"), ids(s.store.containersOf("d2")));

            assertTrue(s.store.deleteContainer("c1"));
            assertFalse(s.store.deleteContainer("c1"));
            assertTrue(s.store.containersOf("d1").isEmpty());
            assertEquals(container("c3", "d2"), s.store.container("c3").orElseThrow());
            assertEquals(2, s.store.containers().size());
        }
        try (var s = closing(Fixtures.open(dir))) {
            assertEquals(Set.of("c2", "c3"), ids(s.store.containersOf("d2")));
        }
    }

    @Test
    void configEntriesRoundTrip() {
        try (var s = closing(Fixtures.open(dir))) {
            s.store.putConfig("p2p", "{\"port\":9000}");
            s.store.putConfig("rpc", "{\"port\":50051}");
            assertEquals("{\"port\":9000}", s.store.config("p2p").orElseThrow());
            assertEquals(
                    Map.of("p2p", "{\"port\":9000}", "rpc", "{\"port\":50051}"),
                    s.store.configEntries());
            assertTrue(s.store.deleteConfig("p2p"));
            assertTrue(s.store.config("p2p").isEmpty());
        }
    }

    @Test
    void scanReturnsPrefixMatchesSortedByKey() {
        try (var s = closing(Fixtures.open(dir))) {
            s.store.put("b/2", utf8("two"));
            s.store.put("a/1", utf8("one"));
            s.store.put("b/1", utf8("uno"));
            s.store.put("c", new byte[0]);
            Map<String, byte[]> b = s.store.scan("b/");
            assertEquals(List.of("b/1", "b/2"), new ArrayList<>(b.keySet()));
            assertArrayEquals(utf8("uno"), b.get("b/1"));
            assertEquals(
                    List.of("a/1", "b/1", "b/2", "c"), new ArrayList<>(s.store.scan("").keySet()));
            assertArrayEquals(new byte[0], s.store.get("c").orElseThrow());
        }
    }

    @Test
    void watchersSeePutsAndDeletesOfExistingKeysUnderTheirPrefix() {
        try (var s = closing(Fixtures.open(dir))) {
            List<KvChange> seen = new CopyOnWriteArrayList<>();
            Subscription sub = s.store.watch("peers/", seen::add);
            s.store.put("peers/a", utf8("1"));
            s.store.put("other/x", utf8("2"));
            assertFalse(s.store.delete("peers/never-existed"));
            assertTrue(s.store.delete("peers/a"));
            sub.close();
            s.store.put("peers/b", utf8("3"));

            assertEquals(2, seen.size());
            assertEquals("peers/a", seen.get(0).key());
            assertArrayEquals(utf8("1"), seen.get(0).value().orElseThrow());
            assertTrue(seen.get(1).deleted());
        }
    }

    @Test
    void aFailingWatcherDoesNotStopOthersOrTheWrite() {
        try (var s = closing(Fixtures.open(dir))) {
            List<KvChange> seen = new CopyOnWriteArrayList<>();
            s.store.watch(
                    "",
                    change -> {
                        throw new IllegalStateException("listener bug");
                    });
            s.store.watch("", seen::add);
            s.store.put("k", utf8("v"));
            assertEquals(1, seen.size());
            assertArrayEquals(utf8("v"), s.store.get("k").orElseThrow());
        }
    }

    @Test
    void aValueOverTheLimitIsResourceExhaustedAndStoresNothing() {
        try (var s =
                closing(Fixtures.open(dir, StoreSettings.defaults().withMaxValueBytes(4096)))) {
            ResourceExhaustedException e =
                    assertThrows(
                            ResourceExhaustedException.class,
                            () -> s.store.put("big", new byte[5000]));
            assertTrue(e.getMessage().contains("value.max.bytes"), e.getMessage());
            assertTrue(s.store.get("big").isEmpty());
        }
    }

    @Test
    void aValueChronicleCannotHoldIsResourceExhausted() {
        // the configured limit is higher than what a map sized for 64-byte values can take in one
        // entry
        try (var s =
                closing(Fixtures.open(dir, Fixtures.small().withMaxValueBytes(64 * 1024 * 1024)))) {
            ResourceExhaustedException e =
                    assertThrows(
                            ResourceExhaustedException.class,
                            () -> s.store.put("huge", new byte[32 * 1024 * 1024]));
            assertTrue(e.getMessage().contains("too large"), e.getMessage());
            s.store.put("small", utf8("still works"));
            assertArrayEquals(utf8("still works"), s.store.get("small").orElseThrow());
        }
    }

    @Test
    void emptyKeysAreRejected() {
        try (var s = closing(Fixtures.open(dir))) {
            assertThrows(InvalidArgumentException.class, () -> s.store.put("", utf8("x")));
            assertThrows(InvalidArgumentException.class, () -> s.store.deployment(""));
        }
    }

    @Test
    void aSecondOpenOfTheSameStoreIsRefusedClearly() {
        try (var s = closing(Fixtures.open(dir))) {
            FailedPreconditionException e =
                    assertThrows(FailedPreconditionException.class, () -> Fixtures.open(dir));
            assertTrue(e.getMessage().contains("in use by another node process"), e.getMessage());
            s.store.put("still", utf8("usable"));
        }
    }

    @Test
    void operationsAfterCloseFailClearly() {
        ChronicleNodeStore store = Fixtures.open(dir);
        store.close();
        assertThrows(FailedPreconditionException.class, () -> store.get("k"));
    }

    private static Set<String> ids(List<ContainerRecord> containers) {
        return containers.stream().map(ContainerRecord::id).collect(Collectors.toSet());
    }

    static Closing closing(ChronicleNodeStore store) {
        return new Closing(store);
    }

    record Closing(ChronicleNodeStore store) implements AutoCloseable {
        @Override
        public void close() {
            store.close();
        }
    }
}
