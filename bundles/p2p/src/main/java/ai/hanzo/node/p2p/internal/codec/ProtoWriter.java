package ai.hanzo.node.p2p.internal.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal protobuf encoder for the few small libp2p messages (schemas in src/main/proto).
 * Hand-rolled so the bundle needs no protobuf runtime.
 */
public final class ProtoWriter {
    private final ByteArrayOutputStream out;

    /** A writer for a small message. */
    public ProtoWriter() {
        this(64);
    }

    /**
     * @param expectedSize about how many bytes the message will take, so the buffer need not grow
     */
    public ProtoWriter(int expectedSize) {
        out = new ByteArrayOutputStream(expectedSize);
    }

    private void tag(int field, int wireType) {
        rawVarint(((long) field << 3) | wireType);
    }

    private void rawVarint(long v) {
        byte[] b = Varint.encode(v);
        out.write(b, 0, b.length);
    }

    /** Writes a varint field (int32/int64/uint64/bool/enum, non-negative values). */
    public ProtoWriter uint(int field, long value) {
        tag(field, 0);
        rawVarint(value);
        return this;
    }

    /** Writes a length-delimited bytes field. */
    public ProtoWriter bytes(int field, byte[] value) {
        tag(field, 2);
        rawVarint(value.length);
        out.write(value, 0, value.length);
        return this;
    }

    /** Writes a string field as UTF-8. */
    public ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @return the encoded message
     */
    public byte[] toByteArray() {
        return out.toByteArray();
    }
}
