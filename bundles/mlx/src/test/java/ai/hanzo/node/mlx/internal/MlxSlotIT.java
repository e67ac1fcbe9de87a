package ai.hanzo.node.mlx.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.apache.felix.framework.FrameworkFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;

/** The built slot bundle in a real Felix: it resolves on macOS arm64 only, with the reason. */
class MlxSlotIT {
    @TempDir Path dir;

    @Test
    void resolvesOnlyOnMacOsArm64AndSaysWhyElsewhere() throws Exception {
        Framework framework =
                new FrameworkFactory()
                        .newFramework(
                                Map.of(
                                        Constants.FRAMEWORK_STORAGE,
                                        dir.toString(),
                                        Constants.FRAMEWORK_STORAGE_CLEAN,
                                        Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT));
        framework.start();
        try {
            // everything else it needs is there: the node API and SCR
            for (Class<?> type :
                    new Class<?>[] {
                        org.osgi.util.function.Function.class,
                        org.osgi.util.promise.Promise.class,
                        org.osgi.service.component.ComponentContext.class,
                        org.apache.felix.scr.impl.Activator.class,
                        ai.hanzo.node.api.NodeException.class
                    }) {
                Bundle b =
                        framework
                                .getBundleContext()
                                .installBundle(
                                        type.getProtectionDomain()
                                                .getCodeSource()
                                                .getLocation()
                                                .toString());
                b.start();
            }
            Bundle mlx =
                    framework
                            .getBundleContext()
                            .installBundle(
                                    Path.of(System.getProperty("mlx.bundle")).toUri().toString());
            boolean appleSilicon =
                    System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("mac")
                            && System.getProperty("os.arch").equals("aarch64");
            if (appleSilicon) {
                mlx.start();
                assertEquals(Bundle.ACTIVE, mlx.getState());
                return;
            }
            BundleException refused = assertThrows(BundleException.class, mlx::start);
            assertTrue(
                    refused.getMessage().contains("osgi.native"),
                    "the reason names the native requirement: " + refused.getMessage());
            assertEquals(Bundle.INSTALLED, mlx.getState());
        } finally {
            framework.stop();
            framework.waitForStop(10_000);
        }
    }

    @Test
    void theEngineSaysWhyItCannotRunModels() {
        MlxEngine engine = new MlxEngine();
        assertEquals("mlx", engine.name());
        assertTrue(!engine.selfTest().available());
        assertTrue(engine.selfTest().reason().contains("no MLX binding for Java"));
    }
}
