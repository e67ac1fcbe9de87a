package ai.hanzo.node.api.inference;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A dense tensor: element type, shape, and the elements in row-major order, little-endian.
 * Immutable: the buffer is read-only.
 *
 * @param type the element type
 * @param shape the dimensions
 * @param data the elements; its size is the product of {@code shape} times the type's width
 */
public record Tensor(DataType type, long[] shape, ByteBuffer data) {
    /** Checks that the data fits the shape and makes both read-only copies. */
    public Tensor {
        Objects.requireNonNull(type, "type");
        shape = shape.clone();
        long elements = 1;
        for (long dimension : shape) {
            if (dimension < 0) {
                throw new IllegalArgumentException(
                        "negative dimension in shape " + Arrays.toString(shape));
            }
            elements = Math.multiplyExact(elements, dimension);
        }
        if (data.remaining() != elements * type.bytes()) {
            throw new IllegalArgumentException(
                    "shape "
                            + Arrays.toString(shape)
                            + " of "
                            + type
                            + " needs "
                            + elements * type.bytes()
                            + " bytes, got "
                            + data.remaining());
        }
        data = data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * @param shape the dimensions
     * @param values the elements in row-major order
     * @return a float tensor
     */
    public static Tensor ofFloats(long[] shape, float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return new Tensor(DataType.FLOAT32, shape, buffer);
    }

    /**
     * @param shape the dimensions
     * @param values the elements in row-major order
     * @return a 64-bit integer tensor
     */
    public static Tensor ofLongs(long[] shape, long[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asLongBuffer().put(values);
        return new Tensor(DataType.INT64, shape, buffer);
    }

    /**
     * @return a copy of the shape
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * @return the elements of a {@link DataType#FLOAT32} tensor
     */
    public float[] toFloats() {
        if (type != DataType.FLOAT32) {
            throw new IllegalStateException("tensor is " + type + ", not FLOAT32");
        }
        float[] values = new float[data.remaining() / 4];
        data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Tensor that
                && type == that.type
                && Arrays.equals(shape, that.shape)
                && data.equals(that.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, Arrays.hashCode(shape), data);
    }

    @Override
    public String toString() {
        return "Tensor[" + type + " " + Arrays.toString(shape) + "]";
    }
}
