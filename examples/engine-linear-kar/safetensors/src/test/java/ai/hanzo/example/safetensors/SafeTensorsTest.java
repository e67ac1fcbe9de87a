package ai.hanzo.example.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SafeTensorsTest {
    @Test
    void readsWhatItWrites() {
        Map<String, Map.Entry<long[], float[]>> tensors = new LinkedHashMap<>();
        tensors.put("weight", Map.entry(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        tensors.put("bias", Map.entry(new long[] {2}, new float[] {0.5f, -1}));
        SafeTensors read = SafeTensors.parse(SafeTensors.write(tensors));
        assertArrayEquals(new long[] {2, 3}, read.entry("weight").orElseThrow().shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, read.floats("weight"));
        assertArrayEquals(new float[] {0.5f, -1}, read.floats("bias"));
    }

    @Test
    void readsAHeaderWithMetadataAndSpaces() {
        String header =
                "{ \"__metadata__\": {\"format\": \"pt\", \"note\": \"a \\\"quoted\\\" word\"},"
                        + " \"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]} }";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + json.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(json.length).put(json).putFloat(2.5f);
        SafeTensors read = SafeTensors.parse(file.array());
        assertEquals(Map.of("w", read.entry("w").orElseThrow()), read.entries());
        assertArrayEquals(new float[] {2.5f}, read.floats("w"));
    }

    @Test
    void refusesBrokenFilesWithTheReason() {
        assertTrue(
                assertThrows(IllegalArgumentException.class, () -> SafeTensors.parse(new byte[3]))
                        .getMessage()
                        .contains("shorter than its 8-byte header"));
        byte[] json =
                "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}"
                        .getBytes(StandardCharsets.UTF_8);
        ByteBuffer truncated =
                ByteBuffer.allocate(8 + json.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        truncated.putLong(json.length).put(json);
        assertTrue(
                assertThrows(
                                IllegalArgumentException.class,
                                () -> SafeTensors.parse(truncated.array()))
                        .getMessage()
                        .contains("outside the file"));
        Map<String, Map.Entry<long[], float[]>> one =
                Map.of("w", Map.entry(new long[] {1}, new float[] {1}));
        assertTrue(
                assertThrows(
                                IllegalArgumentException.class,
                                () -> SafeTensors.parse(SafeTensors.write(one)).floats("x"))
                        .getMessage()
                        .contains("no tensor x"));
    }
}
