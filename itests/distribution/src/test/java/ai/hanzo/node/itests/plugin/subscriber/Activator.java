package ai.hanzo.node.itests.plugin.subscriber;

import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.event.NodeEvent;
import ai.hanzo.node.api.p2p.PeerNetwork;
import ai.hanzo.node.api.store.NodeStore;
import java.util.Set;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * A plugin that subscribes to {@code itest.ping} events, answers each with an {@code itest.echo}
 * event, echoes changes under {@code itest/ping/} in the store the same way, subscribes to a P2P
 * topic, and never closes any of them.
 */
public final class Activator implements BundleActivator {
    @Override
    public void start(BundleContext context) {
        EventBus events = context.getService(context.getServiceReference(EventBus.class));
        events.subscribe(
                Set.of("itest.ping"),
                ping ->
                        events.publish(
                                NodeEvent.now("itest.echo", "itest", ping.resourceId(), "echo")));
        NodeStore store = context.getService(context.getServiceReference(NodeStore.class));
        store.watch(
                "itest/ping/",
                change ->
                        events.publish(
                                NodeEvent.now(
                                        "itest.echo", "itest", "store:" + change.key(), "echo")));
        PeerNetwork network = context.getService(context.getServiceReference(PeerNetwork.class));
        network.subscribe("itest/subscriber/v1", message -> {});
    }

    @Override
    public void stop(BundleContext context) {}
}
