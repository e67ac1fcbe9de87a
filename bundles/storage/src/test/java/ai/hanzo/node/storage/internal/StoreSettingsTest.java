package ai.hanzo.node.storage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.InvalidArgumentException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoreSettingsTest {
    /**
     * A config as Declarative Services builds it: the annotation's defaults, overridden by {@code
     * values}.
     */
    static StoreConfig config(Map<String, Object> values) {
        return (StoreConfig)
                Proxy.newProxyInstance(
                        StoreConfig.class.getClassLoader(),
                        new Class<?>[] {StoreConfig.class},
                        (proxy, method, args) ->
                                values.containsKey(method.getName())
                                        ? values.get(method.getName())
                                        : method.getDefaultValue());
    }

    @Test
    void theMetatypeDefaultsAreTheBuiltInDefaults() {
        assertEquals(StoreSettings.defaults(), StoreSettings.from(config(Map.of())));
        assertEquals(Duration.ofHours(24), StoreSettings.defaults().metricsRetention());
    }

    @Test
    void nonsenseSizesAreRejectedNamingTheKey() {
        InvalidArgumentException e =
                assertThrows(
                        InvalidArgumentException.class,
                        () -> StoreSettings.from(config(Map.of("kv_entries", 0))));
        assertTrue(e.getMessage().contains("kv.entries"), e.getMessage());
        assertThrows(
                InvalidArgumentException.class,
                () -> StoreSettings.from(config(Map.of("metrics_retention_seconds", 5L))));
    }
}
