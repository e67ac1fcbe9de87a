package ai.hanzo.node.api.inference;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A dense tensor: element type, shape, and the elements in row-major order, little-endian.
 * Immutable: the constructor copies the given bytes and {@link #data()} hands out read-only views
 * of that private copy, so neither the creator nor a reader can change what others see.
 *
 * <p>{@link DataType#STRING} elements are stored one after the other, each as its UTF-8 length (4
 * bytes, little-endian) followed by its UTF-8 bytes.
 *
 * @param type the element type
 * @param shape the dimensions (a copy is kept)
 * @param data the elements from its position to its limit (copied; the buffer is not changed)
 */
public record Tensor(DataType type, long[] shape, ByteBuffer data) {
    /**
     * Checks that the data fits the shape and keeps private copies of both.
     *
     * @throws IllegalArgumentException if a dimension is negative or the data does not hold exactly
     *     the elements the shape calls for
     */
    public Tensor {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        long elements = elementCount(shape);
        ByteBuffer copy = ByteBuffer.allocate(data.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(data.duplicate()).flip();
        if (type.fixedWidth()) {
            if (copy.remaining() != elements * type.bytes()) {
                throw new IllegalArgumentException(
                        "shape "
                                + Arrays.toString(shape)
                                + " of "
                                + type
                                + " needs "
                                + elements * type.bytes()
                                + " bytes, got "
                                + copy.remaining());
            }
        } else {
            int found = decodeStrings(copy).size();
            if (found != elements) {
                throw new IllegalArgumentException(
                        "shape "
                                + Arrays.toString(shape)
                                + " needs "
                                + elements
                                + " strings, got "
                                + found);
            }
        }
        data = copy.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static long elementCount(long[] shape) {
        long elements = 1;
        for (long dimension : shape) {
            if (dimension < 0) {
                throw new IllegalArgumentException(
                        "negative dimension in shape " + Arrays.toString(shape));
            }
            elements = Math.multiplyExact(elements, dimension);
        }
        return elements;
    }

    /**
     * @param shape the dimensions
     * @param values the elements in row-major order
     * @return a {@link DataType#FLOAT32} tensor
     */
    public static Tensor ofFloats(long[] shape, float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return new Tensor(DataType.FLOAT32, shape, buffer);
    }

    /**
     * @param shape the dimensions
     * @param values the elements in row-major order
     * @return a {@link DataType#INT64} tensor
     */
    public static Tensor ofLongs(long[] shape, long[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asLongBuffer().put(values);
        return new Tensor(DataType.INT64, shape, buffer);
    }

    /**
     * @param shape the dimensions
     * @param values the elements in row-major order
     * @return a {@link DataType#INT32} tensor
     */
    public static Tensor ofInts(long[] shape, int[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asIntBuffer().put(values);
        return new Tensor(DataType.INT32, shape, buffer);
    }

    /**
     * @param shape the dimensions
     * @param values the elements in row-major order
     * @return a {@link DataType#STRING} tensor
     */
    public static Tensor ofStrings(long[] shape, List<String> values) {
        List<byte[]> encoded =
                values.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
        int size = encoded.stream().mapToInt(b -> 4 + b.length).sum();
        ByteBuffer buffer = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        encoded.forEach(b -> buffer.putInt(b.length).put(b));
        buffer.flip();
        return new Tensor(DataType.STRING, shape, buffer);
    }

    /**
     * @return a read-only view of the elements, positioned at the first, little-endian; each call
     *     returns a new view, so reading one does not move another
     */
    @Override
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * @return a copy of the shape
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * @return how many elements the shape holds
     */
    public long elementCount() {
        return elementCount(shape);
    }

    /**
     * @return the elements of a {@link DataType#FLOAT32} tensor
     * @throws IllegalStateException for another type
     */
    public float[] toFloats() {
        require(DataType.FLOAT32);
        float[] values = new float[data.remaining() / 4];
        data().asFloatBuffer().get(values);
        return values;
    }

    /**
     * @return the elements of a {@link DataType#INT64} tensor
     * @throws IllegalStateException for another type
     */
    public long[] toLongs() {
        require(DataType.INT64);
        long[] values = new long[data.remaining() / 8];
        data().asLongBuffer().get(values);
        return values;
    }

    /**
     * @return the elements of a {@link DataType#STRING} tensor
     * @throws IllegalStateException for another type
     */
    public List<String> toStrings() {
        require(DataType.STRING);
        return decodeStrings(data());
    }

    private void require(DataType wanted) {
        if (type != wanted) {
            throw new IllegalStateException("tensor is " + type + ", not " + wanted);
        }
    }

    private static List<String> decodeStrings(ByteBuffer buffer) {
        ByteBuffer in = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        List<String> strings = new ArrayList<>();
        while (in.hasRemaining()) {
            if (in.remaining() < 4) {
                throw new IllegalArgumentException("string tensor data ends inside a length");
            }
            int length = in.getInt();
            if (length < 0 || length > in.remaining()) {
                throw new IllegalArgumentException(
                        "string tensor element of " + length + " bytes runs past the data");
            }
            byte[] bytes = new byte[length];
            in.get(bytes);
            strings.add(new String(bytes, StandardCharsets.UTF_8));
        }
        return strings;
    }

    /** Equal when type, shape and elements are equal. */
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
