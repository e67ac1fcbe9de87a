package ai.hanzo.node.runtime.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The packaged bundle in plain Felix with SCR, Config Admin and the api bundle only: it resolves
 * with its narrowed imports, its component registers the {@code docker} runtime, the embedded
 * docker-java talks to the real engine from inside the framework, and a configuration pointing at
 * no engine makes it say why it is unavailable.
 */
class DockerBundleIT {
    @TempDir Path dir;

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void theBundleRegistersTheDockerRuntimeAndReachesTheEngine() throws Exception {
        Dockerd dockerd = Dockerd.get();
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, dir.resolve("felix-cache").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put("ds.loglevel", "warn");
        Framework framework = new FrameworkFactory().newFramework(props);
        framework.start();
        try {
            BundleContext context = framework.getBundleContext();
            List<Bundle> bundles = new ArrayList<>();
            for (String jar : System.getProperty("it.bundles").split(",")) {
                bundles.add(context.installBundle(Path.of(jar).toUri().toString()));
            }
            for (Bundle b : bundles) {
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
                    b.start();
                }
            }
            Bundle docker = bundles.get(bundles.size() - 1);
            assertEquals("ai.hanzo.node.runtime.docker", docker.getSymbolicName());
            assertEquals(Bundle.ACTIVE, docker.getState());
            assertEquals(
                    null, docker.getHeaders().get(Constants.EXPORT_PACKAGE), "exports nothing");

            configure(context, dockerd.host);
            // the component is replaced on reconfiguration: ask whichever instance is current
            Object runtime = awaitSelfTest(context, true)[0];
            assertEquals("docker", runtime.getClass().getMethod("name").invoke(runtime));
            assertEquals(
                    true,
                    runtime.getClass()
                            .getMethod("imagePresent", String.class)
                            .invoke(runtime, dockerd.image));
            Object list =
                    runtime.getClass()
                            .getMethod("list", Map.class)
                            .invoke(runtime, Map.of("hanzo.test", "none"));
            assertEquals(List.of(), list);

            // a reconfiguration to an engine that is not there: still registered, unavailable, says
            // why
            String nowhere = dir.resolve("no-docker.sock").toString();
            configure(context, "unix://" + nowhere);
            Object[] unavailable = awaitSelfTest(context, false);
            String reason =
                    (String) unavailable[1].getClass().getMethod("reason").invoke(unavailable[1]);
            assertTrue(reason.contains(nowhere), reason);
        } finally {
            framework.stop();
            framework.waitForStop(30_000);
        }
    }

    /** The current runtime and its self-test, once the self-test says {@code available}. */
    private static Object[] awaitSelfTest(BundleContext context, boolean available) {
        Object[] found = new Object[2];
        org.awaitility.Awaitility.await()
                .atMost(30, TimeUnit.SECONDS)
                .ignoreExceptions()
                .until(
                        () -> {
                            found[0] = awaitRuntime(context);
                            found[1] = call(found[0], "selfTest");
                            return (Boolean)
                                            found[1].getClass()
                                                    .getMethod("available")
                                                    .invoke(found[1])
                                    == available;
                        });
        return found;
    }

    private static Object call(Object target, String method) throws Exception {
        Method m = target.getClass().getMethod(method);
        return m.invoke(target);
    }

    private static Object awaitRuntime(BundleContext context) throws Exception {
        ServiceTracker<Object, Object> tracker =
                new ServiceTracker<>(
                        context,
                        context.createFilter(
                                "(&(objectClass=ai.hanzo.node.api.runtime.ContainerRuntime)(hanzo.runtime.name=docker))"),
                        null);
        // all services: the test's copy of the API classes is not the framework's
        tracker.open(true);
        try {
            Object service = tracker.waitForService(20_000);
            if (service == null) {
                for (Bundle b : context.getBundles()) {
                    System.out.println(b.getSymbolicName() + " state " + b.getState());
                }
            }
            assertNotNull(service, "the docker ContainerRuntime is not registered");
            ServiceReference<Object> ref = tracker.getServiceReference();
            assertEquals("docker", ref.getProperty("hanzo.runtime.name"));
            assertFalse(Arrays.asList((String[]) ref.getProperty(Constants.OBJECTCLASS)).isEmpty());
            return service;
        } finally {
            tracker.close();
        }
    }

    /** Sets PID ai.hanzo.node.docker through the framework's Config Admin (by reflection). */
    private static void configure(BundleContext context, String host) throws Exception {
        ServiceTracker<Object, Object> tracker =
                new ServiceTracker<>(context, "org.osgi.service.cm.ConfigurationAdmin", null);
        tracker.open(true);
        Object admin = tracker.waitForService(20_000);
        if (admin == null) {
            for (Bundle b : context.getBundles()) {
                System.out.println(b.getSymbolicName() + " state " + b.getState());
            }
        }
        assertNotNull(admin, "Config Admin is not running");
        Object config =
                admin.getClass()
                        .getMethod("getConfiguration", String.class, String.class)
                        .invoke(admin, "ai.hanzo.node.docker", "?");
        Dictionary<String, Object> values = new Hashtable<>();
        values.put("host", host);
        Method update = config.getClass().getMethod("update", Dictionary.class);
        update.setAccessible(true);
        update.invoke(config, values);
        // only now: closing the tracker releases Config Admin (a service factory) for this bundle
        tracker.close();
    }
}
