package ai.hanzo.node.p2p.internal;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.p2p.PeerNetwork;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link PeerNetwork} service as each bundle sees it: one view per using bundle over the one
 * network. When the bundle stops or is uninstalled the framework releases its view, and the topic
 * subscriptions it opened are closed, whether or not it closed them: a plugin that goes cannot
 * leave a listener (and its class loader) behind.
 */
final class BundleScopedNetworks implements ServiceFactory<PeerNetwork> {
    private final Logger logger = LoggerFactory.getLogger(BundleScopedNetworks.class);
    private final PeerNetwork network;

    BundleScopedNetworks(PeerNetwork network) {
        this.network = network;
    }

    @Override
    public PeerNetwork getService(Bundle bundle, ServiceRegistration<PeerNetwork> registration) {
        return view(network);
    }

    @Override
    public void ungetService(
            Bundle bundle, ServiceRegistration<PeerNetwork> registration, PeerNetwork view) {
        int left = ((Subscriptions) Proxy.getInvocationHandler(view)).closeAll();
        if (left > 0) {
            logger.info(
                    "Closed {} pubsub subscription(s) bundle {} left open",
                    left,
                    bundle.getSymbolicName());
        }
    }

    /**
     * @param network the one network
     * @return a view that delegates every call and remembers the subscriptions opened through it
     */
    static PeerNetwork view(PeerNetwork network) {
        return (PeerNetwork)
                Proxy.newProxyInstance(
                        PeerNetwork.class.getClassLoader(),
                        new Class<?>[] {PeerNetwork.class},
                        new Subscriptions(network));
    }

    /** Closes what a view left open; returns how many. */
    static int close(PeerNetwork view) {
        return ((Subscriptions) Proxy.getInvocationHandler(view)).closeAll();
    }

    private static final class Subscriptions implements InvocationHandler {
        private final PeerNetwork network;
        private final Set<Subscription> open = ConcurrentHashMap.newKeySet();

        Subscriptions(PeerNetwork network) {
            this.network = network;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> "bundle view of " + network;
                };
            }
            Object result;
            try {
                result = method.invoke(network, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (result instanceof Subscription subscription
                    && method.getName().equals("subscribe")) {
                open.add(subscription);
                return (Subscription)
                        () -> {
                            if (open.remove(subscription)) {
                                subscription.close();
                            }
                        };
            }
            return result;
        }

        int closeAll() {
            int left = 0;
            for (Subscription subscription : open) {
                if (open.remove(subscription)) {
                    subscription.close();
                    left++;
                }
            }
            return left;
        }
    }
}
