package ai.hanzo.node.plugins.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.plugin.PluginDescriptor;
import ai.hanzo.node.api.plugin.PluginKind;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DescriptorsTest {
    @Test
    void readsEveryHeader() {
        PluginDescriptor descriptor =
                Descriptors.read(
                                Map.of(
                                        "Hanzo-Plugin-Name", " runc ",
                                        "Hanzo-Plugin-Kind", "Runtime",
                                        "Hanzo-Plugin-Description", "Runs OCI bundles with runc",
                                        "Hanzo-Plugin-Author", "Example Inc."),
                                "com.example.runc",
                                "1.2.3")
                        .orElseThrow();
        assertEquals(
                new PluginDescriptor(
                        "runc",
                        "1.2.3",
                        PluginKind.RUNTIME,
                        "Runs OCI bundles with runc",
                        "Example Inc.",
                        "com.example.runc"),
                descriptor);
    }

    @Test
    void aBundleWithoutTheNameHeaderIsNoPlugin() {
        assertTrue(Descriptors.read(Map.of("Hanzo-Plugin-Kind", "runtime"), "x", "1").isEmpty());
    }

    @Test
    void kindAndTextsAreOptional() {
        PluginDescriptor descriptor =
                Descriptors.read(Map.of("Hanzo-Plugin-Name", "metrics-export"), "x", "1.0.0")
                        .orElseThrow();
        assertEquals(PluginKind.OTHER, descriptor.kind());
        assertEquals("", descriptor.description());
        assertEquals("", descriptor.author());
    }

    @Test
    void aBadNameOrKindIsRefusedWithTheReason() {
        InvalidArgumentException badName =
                assertThrows(
                        InvalidArgumentException.class,
                        () -> Descriptors.read(Map.of("Hanzo-Plugin-Name", "a b/c"), "x", "1"));
        assertTrue(badName.getMessage().contains("'a b/c' is not a plugin name"));
        InvalidArgumentException badKind =
                assertThrows(
                        InvalidArgumentException.class,
                        () ->
                                Descriptors.read(
                                        Map.of(
                                                "Hanzo-Plugin-Name", "gpu",
                                                "Hanzo-Plugin-Kind", "accelerator"),
                                        "x",
                                        "1"));
        assertTrue(
                badKind.getMessage().contains("'accelerator' is none of runtime, engine, other"));
    }
}
