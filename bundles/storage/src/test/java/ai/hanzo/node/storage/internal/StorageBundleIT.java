package ai.hanzo.node.storage.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Starts the built storage bundle in a plain Felix framework with only SCR, SLF4J and the node API
 * beside it, and uses its {@code NodeStore} service: proves the embedding and the trimmed imports
 * resolve and that Chronicle runs inside OSGi.
 */
class StorageBundleIT {
    @TempDir Path dir;

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void theBundleResolvesInPlainFelixAndServesTheStore() throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, dir.resolve("felix-cache").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        // what the distribution must provide too: boot delegation of the JDK internals Chronicle
        // uses
        props.put(Constants.FRAMEWORK_BOOTDELEGATION, "sun.*,com.sun.*,jdk.internal.*");
        props.put("hanzo.data.dir", dir.resolve("data").toString());
        props.put(
                "ds.loglevel",
                "warn"); // SCR prints component failures to stdout (no LogService here)
        Framework framework = new FrameworkFactory().newFramework(props);
        framework.start();
        try {
            BundleContext context = framework.getBundleContext();
            // the build passes the jars it resolved (the node's own from the reactor, never from
            // a local repository that only `mvn install` fills)
            List<Path> jars =
                    Arrays.stream(System.getProperty("it.bundles").split(","))
                            .map(Path::of)
                            .toList();
            for (Path jar : jars) {
                assertTrue(Files.isRegularFile(jar), "not a bundle jar: " + jar);
            }
            List<Bundle> bundles = new ArrayList<>();
            for (Path jar : jars) {
                bundles.add(context.installBundle(jar.toUri().toString()));
            }
            for (Bundle b : bundles) {
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                    b.start();
                }
            }
            Bundle storage = bundles.get(bundles.size() - 1);
            assertEquals(Bundle.ACTIVE, storage.getState());

            ServiceTracker<Object, Object> tracker =
                    new ServiceTracker<>(context, "ai.hanzo.node.api.store.NodeStore", null);
            // all services: the test's own copy of the API classes differs from the framework's
            tracker.open(true);
            Object store = tracker.waitForService(20_000);
            if (store == null) {
                for (Bundle b : context.getBundles()) {
                    System.out.println(b.getSymbolicName() + " state " + b.getState());
                }
            }
            assertNotNull(store, "NodeStore service not registered");
            // the test's NodeStore class is not the bundle's: call through reflection
            Method put = store.getClass().getMethod("put", String.class, byte[].class);
            Method get = store.getClass().getMethod("get", String.class);
            put.invoke(store, "osgi", new byte[] {4, 2});
            Optional<?> read = (Optional<?>) get.invoke(store, "osgi");
            assertArrayEquals(new byte[] {4, 2}, (byte[]) read.orElseThrow());
            tracker.close();
            assertTrue(Files.exists(dir.resolve("data/store/kv.cm3")));

            // the same store serves backups, under the StoreBackup interface
            ServiceTracker<Object, Object> backups =
                    new ServiceTracker<>(context, "ai.hanzo.node.api.store.StoreBackup", null);
            backups.open(true);
            Object backup = backups.waitForService(20_000);
            assertNotNull(backup, "StoreBackup service not registered");
            Path copy = dir.resolve("backup").toAbsolutePath();
            backup.getClass().getMethod("backupTo", Path.class).invoke(backup, copy);
            backups.close();
            assertTrue(Files.size(copy.resolve("kv.cm3")) > 0);
            assertTrue(Files.exists(copy.resolve("store.properties")));
        } finally {
            framework.stop();
            framework.waitForStop(30_000);
        }
    }
}
