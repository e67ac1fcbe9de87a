package ai.hanzo.node.p2p.internal.codec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A minimal protobuf decoder: iterate fields with {@link #next()}, then read the value with the
 * accessor matching its wire type. Unknown fields are skipped; any malformation throws {@link
 * MalformedInputException}, never an unchecked index error.
 */
public final class ProtoReader {
    private final byte[] data;
    private final int[] pos = {0};
    private int field;
    private int wireType;

    /**
     * @param data one encoded message
     */
    public ProtoReader(byte[] data) {
        this.data = data;
    }

    /**
     * @return whether another field follows; its number is {@link #field()}
     */
    public boolean next() {
        if (pos[0] >= data.length) {
            return false;
        }
        long key = Varint.read(data, pos);
        field = (int) (key >>> 3);
        wireType = (int) (key & 7);
        if (field <= 0 || key >>> 3 > Integer.MAX_VALUE) {
            throw new MalformedInputException("bad protobuf field number");
        }
        return true;
    }

    /**
     * @return the number of the current field
     */
    public int field() {
        return field;
    }

    /**
     * @return the current field as a varint
     */
    public long uint() {
        expect(0);
        return Varint.read(data, pos);
    }

    /**
     * @return the current field as bytes
     */
    public byte[] bytes() {
        expect(2);
        long len = Varint.read(data, pos);
        if (len > data.length - pos[0]) {
            throw new MalformedInputException("protobuf field length runs past the message");
        }
        byte[] out = Arrays.copyOfRange(data, pos[0], pos[0] + (int) len);
        pos[0] += (int) len;
        return out;
    }

    /**
     * @return the current field as a UTF-8 string
     */
    public String string() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    /** Skips the current field. */
    public void skip() {
        switch (wireType) {
            case 0 -> Varint.read(data, pos);
            case 1 -> advance(8);
            case 2 -> {
                long len = Varint.read(data, pos);
                if (len > data.length - pos[0]) {
                    throw new MalformedInputException(
                            "protobuf field length runs past the message");
                }
                pos[0] += (int) len;
            }
            case 5 -> advance(4);
            default ->
                    throw new MalformedInputException("unsupported protobuf wire type " + wireType);
        }
    }

    private void advance(int n) {
        if (n > data.length - pos[0]) {
            throw new MalformedInputException("truncated protobuf field");
        }
        pos[0] += n;
    }

    private void expect(int type) {
        if (wireType != type) {
            throw new MalformedInputException(
                    "protobuf field "
                            + field
                            + " has wire type "
                            + wireType
                            + ", expected "
                            + type);
        }
    }
}
