package ai.hanzo.node.runtime.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.hanzo.node.api.ErrorCode;
import ai.hanzo.node.api.NodeException;
import org.junit.jupiter.api.Test;

class ImageReferenceTest {
    @Test
    void aReferenceWithoutRegistryGetsTheConfiguredOne() {
        ImageReference r = ImageReference.parse("hanzo/app:1", "127.0.0.1:5000");
        assertEquals("127.0.0.1:5000", r.registry());
        assertEquals("127.0.0.1:5000/hanzo/app", r.repository());
        assertEquals("1", r.tag());
        assertEquals("127.0.0.1:5000/hanzo/app:1", r.canonical());
    }

    @Test
    void aReferenceNamingARegistryKeepsIt() {
        ImageReference r = ImageReference.parse("localhost:5000/app", "127.0.0.1:5000");
        assertEquals("localhost:5000", r.registry());
        assertEquals("latest", r.tag());
        assertEquals(
                "registry.example.org",
                ImageReference.parse("registry.example.org/a/b:2", "").registry());
    }

    @Test
    void digestsAndPlainNames() {
        ImageReference d = ImageReference.parse("busybox@sha256:abc", "");
        assertEquals("busybox", d.repository());
        assertEquals("sha256:abc", d.tag());
        assertEquals("busybox@sha256:abc", d.canonical());
        ImageReference plain = ImageReference.parse("busybox", "");
        assertEquals("", plain.registry());
        assertEquals("busybox:latest", plain.canonical());
    }

    @Test
    void malformedReferencesAreInvalidArguments() {
        for (String bad : new String[] {"", " ", "a b", "app:", "/app", "Hanzo/App:1"}) {
            NodeException e =
                    assertThrows(NodeException.class, () -> ImageReference.parse(bad, ""));
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code(), bad);
        }
    }
}
