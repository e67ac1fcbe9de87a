package ai.hanzo.node.api.inference;

/** Element types of a {@link Tensor}. */
public enum DataType {
    /** 32-bit IEEE float. */
    FLOAT32(4),
    /** 64-bit signed integer. */
    INT64(8),
    /** 32-bit signed integer. */
    INT32(4),
    /** 8-bit unsigned integer. */
    UINT8(1),
    /** Boolean, one byte each (0 or 1). */
    BOOL(1),
    /** 16-bit IEEE half-precision float, as its raw bits. */
    FLOAT16(2),
    /** 16-bit brain float (the top half of a FLOAT32), as its raw bits. */
    BFLOAT16(2),
    /** 8-bit signed integer. */
    INT8(1),
    /**
     * UTF-8 text, one string per element. Variable width: see {@link Tensor#ofStrings} for the
     * encoding.
     */
    STRING(0),
    /** 64-bit IEEE float. */
    FLOAT64(8);

    private final int bytes;

    DataType(int bytes) {
        this.bytes = bytes;
    }

    /**
     * @return bytes per element; 0 for {@link #STRING}, whose elements vary in size
     */
    public int bytes() {
        return bytes;
    }

    /**
     * @return whether every element has the same size ({@link #bytes()} is meaningful)
     */
    public boolean fixedWidth() {
        return bytes > 0;
    }
}
