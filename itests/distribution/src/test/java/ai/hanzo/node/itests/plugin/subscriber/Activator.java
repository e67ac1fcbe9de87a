package ai.hanzo.node.itests.plugin.subscriber;

import ai.hanzo.node.api.event.EventBus;
import ai.hanzo.node.api.event.NodeEvent;
import java.util.Set;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

/**
 * A plugin that subscribes to {@code itest.ping} events, answers each with an {@code itest.echo}
 * event, and never closes its subscription.
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
    }

    @Override
    public void stop(BundleContext context) {}
}
