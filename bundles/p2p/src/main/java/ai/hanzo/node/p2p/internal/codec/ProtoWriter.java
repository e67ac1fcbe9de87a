package ai.hanzo.node.p2p.internal.codec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A minimal protobuf encoder for the few small libp2p messages (schemas in src/main/proto).
 * Hand-rolled so the bundle needs no protobuf runtime.
 */
public final class ProtoWriter {
    // a plain array, not a ByteArrayOutputStream: every gossip message is encoded through here,
    // and that stream locks on each write and the old code allocated an array per varint
    private byte[] buf;
    private int size;

    /** A writer for a small message. */
    public ProtoWriter() {
        this(64);
    }

    /**
     * @param expectedSize about how many bytes the message will take, so the buffer need not grow
     */
    public ProtoWriter(int expectedSize) {
        buf = new byte[Math.max(16, expectedSize)];
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }

    private void tag(int field, int wireType) {
        rawVarint(((long) field << 3) | wireType);
    }

    private void rawVarint(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
    }

    /** Writes bytes as they are, with no tag or length (a prefix that is not protobuf). */
    public ProtoWriter raw(byte[] value) {
        ensure(value.length);
        System.arraycopy(value, 0, buf, size, value.length);
        size += value.length;
        return this;
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
        return raw(value);
    }

    /** Writes a string field as UTF-8. */
    public ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @return the encoded message
     */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
