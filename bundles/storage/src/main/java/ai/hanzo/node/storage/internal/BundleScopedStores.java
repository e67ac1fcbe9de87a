package ai.hanzo.node.storage.internal;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.store.NodeStore;
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
 * The {@link NodeStore} service as each bundle sees it: one view per using bundle over the one
 * store. When the bundle stops or is uninstalled the framework releases its view, and the watches
 * it opened are closed, whether or not it closed them: a plugin that goes cannot leave a listener
 * (and its class loader) behind.
 */
final class BundleScopedStores implements ServiceFactory<NodeStore> {
    private final Logger logger = LoggerFactory.getLogger(BundleScopedStores.class);
    private final NodeStore store;

    BundleScopedStores(NodeStore store) {
        this.store = store;
    }

    @Override
    public NodeStore getService(Bundle bundle, ServiceRegistration<NodeStore> registration) {
        return view(store);
    }

    @Override
    public void ungetService(
            Bundle bundle, ServiceRegistration<NodeStore> registration, NodeStore view) {
        int left = ((Watches) Proxy.getInvocationHandler(view)).closeAll();
        if (left > 0) {
            logger.info(
                    "Closed {} store watch(es) bundle {} left open",
                    left,
                    bundle.getSymbolicName());
        }
    }

    /**
     * @param store the one store
     * @return a view that delegates every call and remembers the watches opened through it
     */
    static NodeStore view(NodeStore store) {
        return (NodeStore)
                Proxy.newProxyInstance(
                        NodeStore.class.getClassLoader(),
                        new Class<?>[] {NodeStore.class},
                        new Watches(store));
    }

    /** Closes what a view left open; returns how many. */
    static int close(NodeStore view) {
        return ((Watches) Proxy.getInvocationHandler(view)).closeAll();
    }

    private static final class Watches implements InvocationHandler {
        private final NodeStore store;
        private final Set<Subscription> open = ConcurrentHashMap.newKeySet();

        Watches(NodeStore store) {
            this.store = store;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getDeclaringClass() == Object.class) {
                return switch (method.getName()) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> "bundle view of " + store;
                };
            }
            Object result;
            try {
                result = method.invoke(store, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (result instanceof Subscription watch && method.getName().equals("watch")) {
                open.add(watch);
                return (Subscription)
                        () -> {
                            if (open.remove(watch)) {
                                watch.close();
                            }
                        };
            }
            return result;
        }

        int closeAll() {
            int left = 0;
            for (Subscription watch : open) {
                if (open.remove(watch)) {
                    watch.close();
                    left++;
                }
            }
            return left;
        }
    }
}
