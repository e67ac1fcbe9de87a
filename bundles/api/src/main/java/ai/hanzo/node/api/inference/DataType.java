package ai.hanzo.node.api.inference;

/** Element types of a {@link Tensor}. */
public enum DataType {
    /** 32-bit float. */
    FLOAT32(4),
    /** 64-bit signed integer. */
    INT64(8),
    /** 32-bit signed integer. */
    INT32(4),
    /** 8-bit unsigned integer. */
    UINT8(1),
    /** Boolean, one byte each. */
    BOOL(1);

    private final int bytes;

    DataType(int bytes) {
        this.bytes = bytes;
    }

    /**
     * @return bytes per element
     */
    public int bytes() {
        return bytes;
    }
}
