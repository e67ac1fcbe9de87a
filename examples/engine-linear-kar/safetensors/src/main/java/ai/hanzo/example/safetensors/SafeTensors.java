package ai.hanzo.example.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A safetensors file read into memory: its tensor entries and their float data. */
public final class SafeTensors {
    /** Headers above this are refused: a real header is a few KiB. */
    private static final long MAX_HEADER_BYTES = 16L << 20;

    private final Map<String, TensorEntry> entries;
    private final ByteBuffer data;

    private SafeTensors(Map<String, TensorEntry> entries, ByteBuffer data) {
        this.entries = entries;
        this.data = data;
    }

    /**
     * @param file a safetensors file
     * @return its tensors
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if it is no valid safetensors file, with why
     */
    public static SafeTensors read(Path file) throws IOException {
        return parse(Files.readAllBytes(file));
    }

    /**
     * @param bytes a safetensors file's bytes
     * @return its tensors
     * @throws IllegalArgumentException if they are no valid safetensors file, with why
     */
    public static SafeTensors parse(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 8) {
            throw new IllegalArgumentException("not safetensors: shorter than its 8-byte header");
        }
        long headerLength = buffer.getLong();
        if (headerLength < 2
                || headerLength > MAX_HEADER_BYTES
                || headerLength > bytes.length - 8) {
            throw new IllegalArgumentException(
                    "not safetensors: header length " + headerLength + " in " + bytes.length);
        }
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        ByteBuffer data =
                ByteBuffer.wrap(
                                bytes,
                                8 + (int) headerLength,
                                bytes.length - 8 - (int) headerLength)
                        .slice()
                        .order(ByteOrder.LITTLE_ENDIAN);
        Object parsed = new Json(header).document();
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("safetensors header is no JSON object");
        }
        Map<String, TensorEntry> entries = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            entries.put(name, entry(name, e.getValue(), data.capacity()));
        }
        return new SafeTensors(Map.copyOf(entries), data);
    }

    private static TensorEntry entry(String name, Object value, long dataBytes) {
        if (!(value instanceof Map<?, ?> fields)
                || !(fields.get("dtype") instanceof String dtype)
                || !(fields.get("shape") instanceof List<?> shapeList)
                || !(fields.get("data_offsets") instanceof List<?> offsets)
                || offsets.size() != 2) {
            throw new IllegalArgumentException(
                    "tensor " + name + ": needs dtype, shape and two data_offsets");
        }
        long[] shape = new long[shapeList.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = number(shapeList.get(i), name);
        }
        TensorEntry entry =
                new TensorEntry(
                        name,
                        dtype,
                        shape,
                        number(offsets.get(0), name),
                        number(offsets.get(1), name));
        if (entry.begin() < 0 || entry.end() < entry.begin() || entry.end() > dataBytes) {
            throw new IllegalArgumentException(
                    "tensor " + name + ": data_offsets outside the file's " + dataBytes + " bytes");
        }
        return entry;
    }

    private static long number(Object value, String name) {
        if (value instanceof Long n && n >= 0) {
            return n;
        }
        throw new IllegalArgumentException(
                "tensor " + name + ": " + value + " is no non-negative integer");
    }

    /**
     * @return the tensors, by name
     */
    public Map<String, TensorEntry> entries() {
        return entries;
    }

    /**
     * @param name a tensor's name
     * @return it, if the file has it
     */
    public Optional<TensorEntry> entry(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /**
     * @param name an {@code F32} tensor's name
     * @return its elements, row-major
     * @throws IllegalArgumentException if there is no such tensor, it is not F32, or its byte range
     *     does not match its shape
     */
    public float[] floats(String name) {
        TensorEntry entry =
                entry(name)
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "no tensor "
                                                        + name
                                                        + "; the file has "
                                                        + entries.keySet()));
        if (!entry.dtype().equals("F32")) {
            throw new IllegalArgumentException(
                    "tensor " + name + " is " + entry.dtype() + ", only F32 is read");
        }
        if (entry.end() - entry.begin() != entry.elements() * Float.BYTES) {
            throw new IllegalArgumentException(
                    "tensor "
                            + entry
                            + " has "
                            + (entry.end() - entry.begin())
                            + " bytes for "
                            + entry.elements()
                            + " floats");
        }
        float[] values = new float[(int) entry.elements()];
        ByteBuffer slice =
                data.duplicate().order(ByteOrder.LITTLE_ENDIAN).position((int) entry.begin());
        slice.asFloatBuffer().get(values);
        return values;
    }

    /**
     * Writes F32 tensors as a safetensors file's bytes (for tests and for making small models).
     *
     * @param tensors name to shape and row-major values, in the order to write them
     * @return the file's bytes
     */
    public static byte[] write(Map<String, Map.Entry<long[], float[]>> tensors) {
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        List<float[]> values = new ArrayList<>();
        for (Map.Entry<String, Map.Entry<long[], float[]>> t : tensors.entrySet()) {
            long[] shape = t.getValue().getKey();
            float[] v = t.getValue().getValue();
            if (header.length() > 1) {
                header.append(',');
            }
            header.append('"').append(t.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":[");
            for (int i = 0; i < shape.length; i++) {
                header.append(i == 0 ? "" : ",").append(shape[i]);
            }
            long end = offset + (long) v.length * Float.BYTES;
            header.append("],\"data_offsets\":[")
                    .append(offset)
                    .append(',')
                    .append(end)
                    .append("]}");
            offset = end;
            values.add(v);
        }
        byte[] json = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out =
                ByteBuffer.allocate(8 + json.length + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json);
        for (float[] v : values) {
            for (float f : v) {
                out.putFloat(f);
            }
        }
        return out.array();
    }
}
