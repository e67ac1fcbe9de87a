package ai.hanzo.node.storage.internal;

import ai.hanzo.node.api.store.NodeStore;
import ai.hanzo.node.api.store.StoreBackup;
import java.util.Hashtable;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the node store on its own thread and registers it as the {@link NodeStore} service once
 * open. Chronicle Map takes about a second to start, which then overlaps the rest of the node's
 * start-up instead of holding up the framework's start-level thread; the node core does not report
 * READY before the service is there ({@code hanzo.ready.requires}). A damaged or incompatible store
 * is logged as an error naming the file, and the node stays not READY.
 */
// immediate: the store opens when the node starts, not on first use
@Component(configurationPid = ChronicleNodeStore.PID, immediate = true)
@Designate(ocd = StoreConfig.class)
public final class NodeStoreOpener {
    private final Logger logger = LoggerFactory.getLogger(NodeStoreOpener.class);
    private final Thread opener;
    private volatile ChronicleNodeStore store;
    private volatile ServiceRegistration<?> registration;
    private volatile ServiceRegistration<?> backupRegistration;
    private volatile boolean closing;

    /**
     * @param context for the data directory and to register the service
     * @param config the store configuration
     */
    @Activate
    public NodeStoreOpener(BundleContext context, StoreConfig config) {
        // Its own short-lived thread, not the NodeScheduler: the store starts before the core
        // (start level 75 vs 80) so that opening it overlaps the rest of start-up, and the thread
        // ends as soon as the store is open.
        opener = new Thread(() -> open(context, config), "hanzo-store-open");
        opener.setDaemon(true);
        opener.start();
    }

    private void open(BundleContext context, StoreConfig config) {
        ChronicleNodeStore opened;
        try {
            opened = new ChronicleNodeStore(context, config);
        } catch (RuntimeException e) {
            logger.error(
                    "The node store cannot be opened, so the node will not become READY: {}",
                    e.getMessage(),
                    e);
            return;
        }
        synchronized (this) {
            if (closing) {
                opened.close();
                return;
            }
            store = opened;
            try {
                // one view per using bundle: the watches a bundle leaves open close when it goes
                registration =
                        context.registerService(
                                NodeStore.class, new BundleScopedStores(opened), new Hashtable<>());
                // the store itself serves backups: it alone can pause its maps
                backupRegistration =
                        context.registerService(StoreBackup.class, opened, new Hashtable<>());
            } catch (IllegalStateException e) {
                // the bundle stopped while the store was opening
                opened.close();
                store = null;
            }
        }
    }

    /** Waits for an open still under way, then unregisters and closes the store. */
    @Deactivate
    void deactivate() throws InterruptedException {
        synchronized (this) {
            closing = true;
        }
        opener.join(TimeUnit.MINUTES.toMillis(2));
        synchronized (this) {
            for (ServiceRegistration<?> each :
                    new ServiceRegistration<?>[] {backupRegistration, registration}) {
                if (each != null) {
                    try {
                        each.unregister();
                    } catch (IllegalStateException e) {
                        logger.debug("store service already unregistered");
                    }
                }
            }
            if (store != null) {
                store.close();
            }
        }
    }
}
