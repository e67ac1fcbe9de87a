package ai.hanzo.node.itests.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.event.EventTypes;
import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.node.DrainParticipant;
import ai.hanzo.node.api.node.HealthCheck;
import ai.hanzo.node.api.node.HealthIndicator;
import ai.hanzo.node.api.node.HealthStatus;
import ai.hanzo.node.api.node.NodeLifecycle;
import ai.hanzo.node.api.node.NodeState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * The node core inside a real Felix framework with SCR: the services it registers, how it picks up
 * other bundles' health indicators and drain participants, and its drain. Drain ends the node, so
 * it runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeCoreTest {
    @InjectBundleContext BundleContext context;

    @InjectService(timeout = 10_000)
    NodeLifecycle node;

    @InjectService(timeout = 10_000)
    EventBus events;

    @Test
    @Order(1)
    void nodeWaitsForItsRequiredServicesThenBecomesReadyWithItsIdPersisted() throws Exception {
        assertEquals(
                NodeState.STARTING,
                node.state(),
                "hanzo.ready.requires names a service nobody registered yet");
        assertEquals(HealthStatus.DEGRADED, node.health().status());
        assertTrue(
                node.health()
                        .checks()
                        .contains(
                                new HealthCheck(
                                        "readiness",
                                        HealthStatus.DEGRADED,
                                        "waiting for [" + ReadinessGate.class.getName() + "]")),
                node.health().checks().toString());

        CountDownLatch ready = new CountDownLatch(1);
        Subscription subscription =
                node.onStateChange(
                        change -> {
                            if (change.to() == NodeState.READY) {
                                ready.countDown();
                            }
                        });
        try {
            context.registerService(ReadinessGate.class, new ReadinessGate() {}, null);
            assertTrue(ready.await(10, TimeUnit.SECONDS), "READY, is " + node.state());
        } finally {
            subscription.close();
        }
        String persisted =
                Files.readString(
                        node.info().dataDirectory().resolve("node-id"), StandardCharsets.UTF_8);
        assertEquals(node.info().nodeId(), persisted.trim());
        assertEquals("itest", node.info().version());
        assertEquals(HealthStatus.HEALTHY, node.health().status());
    }

    @Test
    @Order(2)
    void aHealthIndicatorFromAnotherBundleCountsInTheNodesHealth() {
        ServiceRegistration<HealthIndicator> registration =
                context.registerService(
                        HealthIndicator.class,
                        () -> new HealthCheck("disk", HealthStatus.UNHEALTHY, "data disk 99% full"),
                        null);
        try {
            assertEquals(HealthStatus.UNHEALTHY, node.health().status());
            assertTrue(
                    node.health()
                            .checks()
                            .contains(
                                    new HealthCheck(
                                            "disk", HealthStatus.UNHEALTHY, "data disk 99% full")));
        } finally {
            registration.unregister();
        }
        assertEquals(HealthStatus.HEALTHY, node.health().status());
    }

    @Test
    @Order(3)
    void eventBusDeliversEveryEventInOrder() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        CountDownLatch all = new CountDownLatch(100);
        Subscription subscription =
                events.subscribe(
                        Set.of("itest.ping"),
                        event -> {
                            received.add(event.resourceId());
                            all.countDown();
                        });
        try {
            events.publish(NodeEvent.now("itest.ignored", "test", "x", "not subscribed"));
            for (int i = 0; i < 100; i++) {
                events.publish(
                        NodeEvent.now("itest.ping", "test", Integer.toString(i), "ping " + i));
            }
            assertTrue(all.await(10, TimeUnit.SECONDS));
        } finally {
            subscription.close();
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(Integer.toString(i), received.get(i));
        }
        assertEquals(100, events.recent(Set.of("itest.ping"), 1000).size());
    }

    @Test
    @Order(4)
    void drainAsksEveryParticipantThenStops() {
        List<String> drained = new CopyOnWriteArrayList<>();
        List<Instant> deadlines = new CopyOnWriteArrayList<>();
        for (String name : List.of("deployments", "inference")) {
            context.registerService(
                    DrainParticipant.class,
                    new DrainParticipant() {
                        @Override
                        public String name() {
                            return name;
                        }

                        @Override
                        public void drain(Instant deadline) {
                            assertEquals(
                                    NodeState.DRAINING,
                                    node.state(),
                                    "new work is refused while participants drain");
                            deadlines.add(deadline);
                            drained.add(name);
                        }
                    },
                    null);
        }
        Instant before = Instant.now();
        node.drain("test drain", Duration.ofSeconds(20));

        assertEquals(Set.of("deployments", "inference"), Set.copyOf(drained));
        deadlines.forEach(
                deadline ->
                        assertFalse(
                                deadline.isBefore(before.plusSeconds(19)), "deadline " + deadline));
        assertEquals(NodeState.STOPPED, node.state());
        assertEquals(HealthStatus.UNHEALTHY, node.health().status());
        List<String> transitions =
                events.recent(Set.of(EventTypes.NODE_STATE), 10).stream()
                        .map(event -> event.attributes().get("to"))
                        .toList();
        assertTrue(transitions.containsAll(List.of("DRAINING", "STOPPED")), transitions.toString());
    }
}
