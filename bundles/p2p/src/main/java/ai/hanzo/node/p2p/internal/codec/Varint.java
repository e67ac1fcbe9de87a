package ai.hanzo.node.p2p.internal.codec;

import io.netty.buffer.ByteBuf;

/** Unsigned LEB128 varints as used by multiformats and protobuf, bounded to 9 bytes (63 bits). */
public final class Varint {
    /** Multiformats caps unsigned varints at 9 bytes; longer ones are malformed. */
    public static final int MAX_BYTES = 9;

    /** Returned by {@link #tryRead} when the buffer does not yet hold a whole varint. */
    public static final long INCOMPLETE = -1;

    private Varint() {}

    /**
     * Reads a varint if the whole of it is readable, advancing the reader index only then.
     *
     * @return the value, or {@link #INCOMPLETE}
     * @throws MalformedInputException when it is longer than {@link #MAX_BYTES} or not minimal
     */
    public static long tryRead(ByteBuf in) {
        int start = in.readerIndex();
        long value = 0;
        for (int i = 0; i < MAX_BYTES; i++) {
            if (start + i >= in.writerIndex()) {
                return INCOMPLETE;
            }
            int b = in.getByte(start + i) & 0xff;
            value |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new MalformedInputException("varint is not minimally encoded");
                }
                in.readerIndex(start + i + 1);
                return value;
            }
        }
        throw new MalformedInputException("varint longer than " + MAX_BYTES + " bytes");
    }

    /** Reads a varint from a byte array at {@code pos[0]}, advancing it. */
    public static long read(byte[] data, int[] pos) {
        long value = 0;
        for (int i = 0; i < MAX_BYTES; i++) {
            if (pos[0] >= data.length) {
                throw new MalformedInputException("truncated varint");
            }
            int b = data[pos[0]++] & 0xff;
            value |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new MalformedInputException("varint is not minimally encoded");
                }
                return value;
            }
        }
        throw new MalformedInputException("varint longer than " + MAX_BYTES + " bytes");
    }

    /** Writes {@code value} (non-negative) as a varint. */
    public static void write(ByteBuf out, long value) {
        while ((value & ~0x7fL) != 0) {
            out.writeByte((int) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        out.writeByte((int) value);
    }

    /**
     * @return the encoding of {@code value}
     */
    public static byte[] encode(long value) {
        byte[] tmp = new byte[10];
        int n = 0;
        while ((value & ~0x7fL) != 0) {
            tmp[n++] = (byte) ((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        tmp[n++] = (byte) value;
        return java.util.Arrays.copyOf(tmp, n);
    }

    /**
     * @return how many bytes {@code value} takes
     */
    public static int size(long value) {
        int n = 1;
        while ((value & ~0x7fL) != 0) {
            value >>>= 7;
            n++;
        }
        return n;
    }
}
