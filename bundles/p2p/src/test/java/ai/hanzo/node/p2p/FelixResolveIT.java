package ai.hanzo.node.p2p;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.transport.Connection;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import io.netty.channel.nio.NioEventLoopGroup;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleReference;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The packaged bundle in plain Felix with SCR and the api bundle only: it resolves, its DS
 * component registers PeerNetwork, the key file is created owner-only, Noise inside the bundle uses
 * the embedded Conscrypt (its native library extracted and loaded through the bundle's class
 * loader) and talks to a node outside the framework, or falls back to the JDK's cipher when that
 * library cannot load, the announced capabilities follow runtime plugins coming and going, and
 * stopping is clean.
 */
class FelixResolveIT {
    /** What a test checks once the bundle is active and PeerNetwork registered. */
    private interface InFelix {
        void check(Bundle p2p, Object network) throws Exception;
    }

    /** The bundle's own choice of cipher, and a Noise session with a node on the class path. */
    private static void assertNoiseCipher(Bundle p2p, Object network, String expected)
            throws Exception {
        Class<?> chaChaPoly = p2p.loadClass("ai.hanzo.node.p2p.internal.transport.ChaChaPoly");
        assertEquals(
                p2p,
                ((BundleReference) chaChaPoly.getClassLoader()).getBundle(),
                "the bundle's own copy");
        Method get = chaChaPoly.getDeclaredMethod("get");
        get.setAccessible(true);
        Object inUse = get.invoke(null);
        Method name = chaChaPoly.getDeclaredMethod("name");
        name.setAccessible(true);
        assertTrue(((String) name.invoke(inUse)).startsWith(expected), (String) name.invoke(inUse));

        @SuppressWarnings("unchecked")
        List<String> addrs =
                (List<String>) network.getClass().getMethod("listenAddresses").invoke(network);
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        P2pNode outside =
                new P2pNode(
                                IdentityKey.generate(),
                                new P2pNode.Settings(
                                        Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
                                        List.of(),
                                        Libp2pHost.Limits.defaults(),
                                        Duration.ofSeconds(1)),
                                group)
                        .start();
        try {
            Connection c =
                    outside.host().dial(Multiaddr.parse(addrs.get(0))).get(20, TimeUnit.SECONDS);
            // a yamux ping both ways through Noise transport frames sealed and opened in Felix
            assertTrue(c.session().ping().get(20, TimeUnit.SECONDS).toNanos() > 0);
        } finally {
            outside.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void bundleResolvesAndRegistersPeerNetwork(@TempDir Path tmp) throws Exception {
        runInFelix(
                tmp,
                (p2p, network) -> {
                    // this build runs on linux-x86_64, for which the Conscrypt jar carries its
                    // native library
                    assertNoiseCipher(p2p, network, "Conscrypt 2.5.2");
                    Path key = tmp.resolve("data/p2p/identity.key");
                    assertEquals(
                            "rw-------",
                            PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
                    BundleContext ctx = p2p.getBundleContext();
                    Bundle api =
                            java.util.Arrays.stream(ctx.getBundles())
                                    .filter(b -> "ai.hanzo.node.api".equals(b.getSymbolicName()))
                                    .findFirst()
                                    .orElseThrow();
                    capabilitiesFollowRuntimePlugins(ctx, api);
                });
    }

    @Test
    void noiseFallsBackToTheJdkCipherWhenConscryptsLibraryCannotLoad(@TempDir Path tmp)
            throws Exception {
        // as on a noexec or read-only temp dir: Conscrypt cannot extract its library (/proc takes
        // no new files, even for root); a new framework means a new class loader that tries again
        System.setProperty("org.conscrypt.native.workdir", "/proc");
        try {
            runInFelix(tmp, (p2p, network) -> assertNoiseCipher(p2p, network, "the JDK"));
        } finally {
            System.clearProperty("org.conscrypt.native.workdir");
        }
    }

    private static void runInFelix(Path tmp, InFelix check) throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, tmp.resolve("felix").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put("hanzo.data.dir", tmp.resolve("data").toString());
        props.put("hanzo.p2p.addr", "/ip4/127.0.0.1/tcp/0");
        props.put("hanzo.p2p.mdns", "false");
        props.put("hanzo.network.id", "it");
        props.put("ds.loglevel", "warn");
        Framework fw =
                ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(props);
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
            ServiceTracker<Object, Object> t =
                    new ServiceTracker<>(ctx, "ai.hanzo.node.api.p2p.PeerNetwork", null);
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
            check.check(p2p, network);
            t.close();
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
    private static void capabilitiesFollowRuntimePlugins(BundleContext ctx, Bundle api)
            throws Exception {
        ServiceTracker<Object, Object> t =
                new ServiceTracker<>(ctx, "ai.hanzo.node.api.p2p.NodeDirectory", null);
        t.open(true);
        Object directory = t.waitForService(20_000);
        assertTrue(directory != null, "NodeDirectory was not registered");
        Method capabilities = directory.getClass().getMethod("localCapabilities");
        // the plugins are made from the api bundle's own interface, as a plugin bundle would
        // implement it
        Class<?> runtimeType = api.loadClass("ai.hanzo.node.api.runtime.ContainerRuntime");
        Class<?> availability = api.loadClass("ai.hanzo.node.api.Availability");
        Object ok = availability.getMethod("ok").invoke(null);
        Object down = availability.getMethod("unavailable", String.class).invoke(null, "no daemon");
        ServiceRegistration<?> good =
                ctx.registerService(
                        runtimeType.getName(),
                        runtime(runtimeType, "felix-test", () -> ok),
                        props("felix-test"));
        ServiceRegistration<?> unavailable =
                ctx.registerService(
                        runtimeType.getName(),
                        runtime(runtimeType, "down", () -> down),
                        props("down"));
        ServiceRegistration<?> crashing =
                ctx.registerService(
                        runtimeType.getName(),
                        runtime(
                                runtimeType,
                                "crashing",
                                () -> {
                                    throw new IllegalStateException("plugin bug");
                                }),
                        props("crashing"));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> capabilities.invoke(directory).equals(Set.of("runtime:felix-test")));
        good.unregister();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> capabilities.invoke(directory).equals(Set.of()));
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
        return Proxy.newProxyInstance(
                type.getClassLoader(),
                new Class<?>[] {type},
                (proxy, m, args) ->
                        switch (m.getName()) {
                            case "name" -> name;
                            case "selfTest" -> selfTest.get();
                            case "hashCode" -> System.identityHashCode(proxy);
                            case "equals" -> proxy == args[0];
                            case "toString" -> "runtime " + name;
                            default -> throw new UnsupportedOperationException(m.getName());
                        });
    }
}
