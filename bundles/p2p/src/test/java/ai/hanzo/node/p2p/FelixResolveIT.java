package ai.hanzo.node.p2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.awaitility.Awaitility.await;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Supplier;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The packaged bundle in plain Felix with SCR and the api bundle only: it resolves, its DS
 * component registers PeerNetwork, the key file is created owner-only, the announced
 * capabilities follow runtime plugins coming and going, and stopping is clean.
 */
class FelixResolveIT {
    @Test
    void bundleResolvesAndRegistersPeerNetwork(@TempDir Path tmp) throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, tmp.resolve("felix").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put("hanzo.data.dir", tmp.resolve("data").toString());
        props.put("hanzo.p2p.addr", "/ip4/127.0.0.1/tcp/0");
        props.put("hanzo.p2p.mdns", "false");
        props.put("hanzo.network.id", "it");
        props.put("ds.loglevel", "warn");
        Framework fw = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(props);
        fw.start();
        try {
            BundleContext ctx = fw.getBundleContext();
            List<Bundle> bundles = new ArrayList<>();
            for (String path : System.getProperty("it.bundles").split(",")) {
                bundles.add(ctx.installBundle(Path.of(path).toUri().toString()));
            }
            for (Bundle b : bundles) {
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                    b.start();
                }
            }
            Bundle p2p = bundles.get(bundles.size() - 1);
            assertEquals(Bundle.ACTIVE, p2p.getState(), "the p2p bundle did not start");
            ServiceTracker<Object, Object> t = new ServiceTracker<>(ctx, "ai.hanzo.node.api.p2p.PeerNetwork", null);
            t.open(true); // the test class path has its own copy of the api classes
            Object network = t.waitForService(20_000);
            if (network == null) {
                for (Bundle b : ctx.getBundles()) {
                    System.out.println("bundle " + b.getSymbolicName() + " state " + b.getState());
                }
            }
            assertTrue(network != null, "PeerNetwork was not registered");
            String peerId = (String) network.getClass().getMethod("localPeerId").invoke(network);
            assertTrue(peerId.startsWith("12D3KooW"), peerId);
            Path key = tmp.resolve("data/p2p/identity.key");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
            t.close();
            capabilitiesFollowRuntimePlugins(ctx, bundles.get(bundles.size() - 2));
            p2p.stop();
        } finally {
            fw.stop();
            fw.waitForStop(10_000);
        }
    }

    /**
     * Runtime plugins registered and unregistered in the framework change the node's announced
     * capabilities at once; one whose self-test fails or throws is left out without harm.
     */
    private static void capabilitiesFollowRuntimePlugins(BundleContext ctx, Bundle api) throws Exception {
        ServiceTracker<Object, Object> t = new ServiceTracker<>(ctx, "ai.hanzo.node.api.p2p.NodeDirectory", null);
        t.open(true);
        Object directory = t.waitForService(20_000);
        assertTrue(directory != null, "NodeDirectory was not registered");
        Method capabilities = directory.getClass().getMethod("localCapabilities");
        // the plugins are made from the api bundle's own interface, as a plugin bundle would implement it
        Class<?> runtimeType = api.loadClass("ai.hanzo.node.api.runtime.ContainerRuntime");
        Class<?> availability = api.loadClass("ai.hanzo.node.api.Availability");
        Object ok = availability.getMethod("ok").invoke(null);
        Object down = availability.getMethod("unavailable", String.class).invoke(null, "no daemon");
        ServiceRegistration<?> good = ctx.registerService(runtimeType.getName(), runtime(runtimeType, "felix-test", () -> ok),
                props("felix-test"));
        ServiceRegistration<?> unavailable = ctx.registerService(runtimeType.getName(), runtime(runtimeType, "down", () -> down),
                props("down"));
        ServiceRegistration<?> crashing = ctx.registerService(runtimeType.getName(), runtime(runtimeType, "crashing", () -> {
            throw new IllegalStateException("plugin bug");
        }), props("crashing"));
        await().atMost(Duration.ofSeconds(20)).until(() -> capabilities.invoke(directory).equals(Set.of("runtime:felix-test")));
        good.unregister();
        await().atMost(Duration.ofSeconds(20)).until(() -> capabilities.invoke(directory).equals(Set.of()));
        unavailable.unregister();
        crashing.unregister();
        t.close();
    }

    private static Dictionary<String, Object> props(String name) {
        Dictionary<String, Object> d = new Hashtable<>();
        d.put("hanzo.runtime.name", name);
        return d;
    }

    private static Object runtime(Class<?> type, String name, Supplier<Object> selfTest) {
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> switch (m.getName()) {
            case "name" -> name;
            case "selfTest" -> selfTest.get();
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            case "toString" -> "runtime " + name;
            default -> throw new UnsupportedOperationException(m.getName());
        });
    }
}
