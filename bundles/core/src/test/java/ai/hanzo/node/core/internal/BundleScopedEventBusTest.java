package ai.hanzo.node.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.node.NodeScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import org.junit.jupiter.api.Test;

/** The per-bundle view of the bus closes what its bundle left open, and only that. */
class BundleScopedEventBusTest {
    private final NodeEventBus bus = new NodeEventBus(new InlineScheduler());

    @Test
    void subscriptionsABundleLeftOpenCloseWhenItReleasesTheBus() {
        BundleScopedEventBus plugin = new BundleScopedEventBus(bus);
        BundleScopedEventBus core = new BundleScopedEventBus(bus);
        List<String> pluginSaw = new CopyOnWriteArrayList<>();
        List<String> coreSaw = new CopyOnWriteArrayList<>();
        plugin.subscribe(Set.of(), event -> pluginSaw.add(event.resourceId()));
        core.subscribe(Set.of(), event -> coreSaw.add(event.resourceId()));

        core.publish(NodeEvent.now("test", "test", "before", "before"));
        plugin.deactivate();
        core.publish(NodeEvent.now("test", "test", "after", "after"));

        assertEquals(List.of("before"), pluginSaw);
        assertEquals(List.of("before", "after"), coreSaw);
    }

    @Test
    void aSubscriptionClosedByItsOwnerStaysClosedAndIsNotClosedTwice() {
        BundleScopedEventBus plugin = new BundleScopedEventBus(bus);
        List<String> saw = new CopyOnWriteArrayList<>();
        var subscription = plugin.subscribe(Set.of("test"), event -> saw.add(event.resourceId()));
        subscription.close();
        plugin.publish(NodeEvent.now("test", "test", "after-close", "x"));
        plugin.deactivate();
        assertEquals(List.of(), saw);
        assertEquals(1, plugin.recent(Set.of("test"), 10).size());
    }

    /** Runs every task at once on the caller's thread, so deliveries are synchronous. */
    private static final class InlineScheduler implements NodeScheduler {
        @Override
        public ScheduledFuture<?> schedule(String name, Runnable task, Duration delay) {
            throw new UnsupportedOperationException("not used by the bus");
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(
                String name, Runnable task, Duration initialDelay, Duration period) {
            throw new UnsupportedOperationException("not used by the bus");
        }

        @Override
        public <T> CompletableFuture<T> submit(String name, Callable<T> task) {
            try {
                return CompletableFuture.completedFuture(task.call());
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public <T> CompletableFuture<T> submit(String name, Callable<T> task, Duration timeout) {
            return submit(name, task);
        }
    }
}
