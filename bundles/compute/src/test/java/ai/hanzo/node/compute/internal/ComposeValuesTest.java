package ai.hanzo.node.compute.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.runtime.PortMapping;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Compose value syntaxes and Docker's restart back-off (pure logic). */
class ComposeValuesTest {
    @Test
    void durations() {
        assertEquals(Duration.ofSeconds(90), ComposeValues.duration("f", "1m30s"));
        assertEquals(Duration.ofMillis(500), ComposeValues.duration("f", "500ms"));
        assertEquals(Duration.ofSeconds(10), ComposeValues.duration("f", "10"));
        assertEquals(Duration.ofMillis(1500), ComposeValues.duration("f", "1.5s"));
        assertEquals(
                Duration.ofSeconds(30), ComposeValues.duration("f", "", Duration.ofSeconds(30)));
        var e =
                assertThrows(
                        InvalidArgumentException.class,
                        () -> ComposeValues.duration("x.interval", "soon"));
        assertTrue(e.getMessage().startsWith("x.interval: 'soon'"), e.getMessage());
        assertThrows(
                InvalidArgumentException.class, () -> ComposeValues.duration("f", "10s garbage"));
    }

    @Test
    void memorySizes() {
        assertEquals(512L << 20, ComposeValues.memoryBytes("f", "512m"));
        assertEquals(2L << 30, ComposeValues.memoryBytes("f", "2G"));
        assertEquals(1536L << 20, ComposeValues.memoryBytes("f", "1.5g"));
        assertEquals(1024, ComposeValues.memoryBytes("f", "1024"));
        assertEquals(64L << 10, ComposeValues.memoryBytes("f", "64kb"));
        assertThrows(InvalidArgumentException.class, () -> ComposeValues.memoryBytes("f", "lots"));
        assertThrows(InvalidArgumentException.class, () -> ComposeValues.memoryBytes("f", "0m"));
        assertThrows(InvalidArgumentException.class, () -> ComposeValues.memoryBytes("f", "-5m"));
    }

    @Test
    void ports() {
        assertEquals(new PortMapping("127.0.0.1", 0, 80, "tcp"), ComposeValues.port("f", "80"));
        assertEquals(
                new PortMapping("127.0.0.1", 8080, 80, "tcp"), ComposeValues.port("f", "8080:80"));
        assertEquals(
                new PortMapping("0.0.0.0", 53, 53, "udp"),
                ComposeValues.port("f", "0.0.0.0:53:53/udp"));
        assertEquals(
                new PortMapping("::1", 9000, 90, "tcp"), ComposeValues.port("f", "[::1]:9000:90"));
        assertThrows(InvalidArgumentException.class, () -> ComposeValues.port("f", "80:http"));
        assertThrows(InvalidArgumentException.class, () -> ComposeValues.port("f", "70000:80"));
        assertThrows(InvalidArgumentException.class, () -> ComposeValues.port("f", "80/icmp"));
    }

    @Test
    void signals() {
        assertEquals("TERM", ComposeValues.signal("f", "SIGTERM"));
        assertEquals("INT", ComposeValues.signal("f", "int"));
        assertThrows(InvalidArgumentException.class, () -> ComposeValues.signal("f", "SIGNOPE"));
    }

    @Test
    void restartPolicies() {
        assertEquals(RestartPolicy.Mode.ALWAYS, RestartPolicy.parse("f", "").mode());
        assertEquals(
                new RestartPolicy(RestartPolicy.Mode.ON_FAILURE, 5),
                RestartPolicy.parse("f", "on-failure:5"));
        assertThrows(
                InvalidArgumentException.class, () -> RestartPolicy.parse("f", "on-failure:x"));
        RestartPolicy onFailure = RestartPolicy.parse("f", "on-failure:2");
        assertTrue(onFailure.restarts(Optional.of(1), 1));
        assertFalse(onFailure.restarts(Optional.of(1), 2));
        assertFalse(onFailure.restarts(Optional.of(0), 0));
        assertTrue(onFailure.restarts(Optional.empty(), 0), "an unknown exit counts as a failure");
        assertFalse(RestartPolicy.parse("f", "no").restarts(Optional.of(1), 0));
        assertTrue(RestartPolicy.parse("f", "unless-stopped").restarts(Optional.of(0), 100));
    }

    @Test
    void dockersBackOffDoublesToAMinuteAndResetsAfterTenSecondsOfRunning() {
        Duration d = RestartPolicy.nextDelay(null, Duration.ZERO);
        assertEquals(Duration.ofMillis(100), d);
        d = RestartPolicy.nextDelay(d, Duration.ofSeconds(1));
        assertEquals(Duration.ofMillis(200), d);
        for (int i = 0; i < 20; i++) {
            d = RestartPolicy.nextDelay(d, Duration.ofMillis(5));
        }
        assertEquals(Duration.ofMinutes(1), d);
        assertEquals(Duration.ofMillis(100), RestartPolicy.nextDelay(d, Duration.ofSeconds(10)));
    }
}
