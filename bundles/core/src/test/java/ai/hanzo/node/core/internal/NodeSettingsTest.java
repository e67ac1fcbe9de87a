package ai.hanzo.node.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NodeSettingsTest {
    @Test
    void launcherPropertiesAreUsedAsGiven() {
        Map<String, String> properties =
                Map.of(
                        "hanzo.data.dir",
                        "/var/lib/hanzo",
                        "hanzo.node.id",
                        "n1",
                        "hanzo.network.id",
                        "hanzo-testnet",
                        "hanzo.grpc.addr",
                        "0.0.0.0:6000",
                        "hanzo.version",
                        "9.9.9");
        NodeSettings settings = NodeSettings.from(properties::get, "0.0.0");
        assertEquals(Path.of("/var/lib/hanzo"), settings.dataDirectory());
        assertEquals(Optional.of("n1"), settings.nodeId());
        assertEquals("hanzo-testnet", settings.networkId());
        assertEquals("0.0.0.0:6000", settings.grpcAddress());
        assertEquals("9.9.9", settings.version());
    }

    @Test
    void withoutTheLauncherControlListenersDefaultToLoopback() {
        NodeSettings settings = NodeSettings.from(key -> null, "1.2.3");
        assertTrue(settings.grpcAddress().startsWith("127.0.0.1:"));
        assertTrue(settings.httpAddress().startsWith("127.0.0.1:"));
        assertEquals("1.2.3", settings.version());
        assertTrue(settings.dataDirectory().isAbsolute());
        assertEquals(Optional.empty(), settings.nodeId());
    }
}
