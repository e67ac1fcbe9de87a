package ai.hanzo.example.safetensors;

import java.util.Arrays;

/**
 * One tensor named in a safetensors header.
 *
 * @param name the tensor's name
 * @param dtype its safetensors dtype, e.g. {@code F32}
 * @param shape its dimensions
 * @param begin first byte of its data, counted from the end of the header
 * @param end one past its last byte
 */
public record TensorEntry(String name, String dtype, long[] shape, long begin, long end) {
    /** Copies the shape, so the entry stays as read. */
    public TensorEntry {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * @return how many elements the shape holds
     */
    public long elements() {
        long n = 1;
        for (long dimension : shape) {
            n *= dimension;
        }
        return n;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorEntry that
                && name.equals(that.name)
                && dtype.equals(that.dtype)
                && Arrays.equals(shape, that.shape)
                && begin == that.begin
                && end == that.end;
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + ":" + dtype + Arrays.toString(shape);
    }
}
