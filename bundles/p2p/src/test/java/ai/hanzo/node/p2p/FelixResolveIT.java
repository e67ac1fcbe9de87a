package ai.hanzo.node.p2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The packaged bundle in plain Felix with SCR and the api bundle only: it resolves, its DS
 * component registers PeerNetwork, the key file is created owner-only, and stopping is clean.
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
            p2p.stop();
        } finally {
            fw.stop();
            fw.waitForStop(10_000);
        }
    }
}
