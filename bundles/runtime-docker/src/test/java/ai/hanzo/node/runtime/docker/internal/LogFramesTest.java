package ai.hanzo.node.runtime.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.api.runtime.LogLine;
import ai.hanzo.node.api.runtime.LogStream;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogFramesTest {
    private static Frame frame(StreamType type, String text) {
        return new Frame(type, text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void eachFrameIsALineWithItsTimestamp() {
        var frames = new DockerContainerRuntime.LogFrames("c1", null);
        List<LogLine> lines =
                frames.lines(
                        frame(StreamType.STDERR, "2026-11-29T11:38:33.123456789Z boom\n"), false);
        assertEquals(1, lines.size());
        assertEquals(Instant.parse("2026-11-29T11:38:33.123456789Z"), lines.get(0).timestamp());
        assertEquals(LogStream.STDERR, lines.get(0).stream());
        assertEquals("boom", lines.get(0).message());
        assertEquals("c1", lines.get(0).containerId());
    }

    @Test
    void theEnginesPartsOfALongLineAreJoined() {
        var frames = new DockerContainerRuntime.LogFrames("c1", null);
        assertTrue(
                frames.lines(frame(StreamType.STDOUT, "2026-11-29T11:38:33Z aaa"), false)
                        .isEmpty());
        List<LogLine> lines =
                frames.lines(frame(StreamType.STDOUT, "2026-11-29T11:38:34Z bbb\n"), false);
        assertEquals("aaabbb", lines.get(0).message());
        assertEquals(Instant.parse("2026-11-29T11:38:33Z"), lines.get(0).timestamp());
        assertTrue(
                frames.lines(frame(StreamType.STDOUT, "2026-11-29T11:38:35Z tail"), false)
                        .isEmpty());
        assertEquals("tail", frames.flush().get(0).message());
    }

    @Test
    void linesBeforeSinceAreDropped() {
        var frames =
                new DockerContainerRuntime.LogFrames("c1", Instant.parse("2026-11-29T11:38:34Z"));
        assertTrue(
                frames.lines(frame(StreamType.STDOUT, "2026-11-29T11:38:33.9Z old\n"), false)
                        .isEmpty());
        assertEquals(
                1,
                frames.lines(frame(StreamType.STDOUT, "2026-11-29T11:38:34Z new\n"), false).size());
    }
}
