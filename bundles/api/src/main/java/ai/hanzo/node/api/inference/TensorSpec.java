package ai.hanzo.node.api.inference;

import java.util.Arrays;
import java.util.Objects;

/**
 * A model input or output: its name, type and shape, with -1 for a dynamic dimension. Equal specs
 * have equal names, types and shapes (compared element by element).
 *
 * @param name the name
 * @param type the element type
 * @param shape the dimensions (a copy is kept)
 */
public record TensorSpec(String name, DataType type, long[] shape) {
    /** Checks the values and copies the shape. */
    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        shape = shape.clone();
    }

    /**
     * @return a copy of the shape
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * @param tensor a tensor
     * @param batched whether the tensor carries the batch dimension (the spec's first)
     * @return whether the tensor's type and shape fit this spec (-1 matches any size)
     */
    public boolean accepts(Tensor tensor, boolean batched) {
        long[] actual = tensor.shape();
        int offset = batched ? 0 : 1;
        if (tensor.type() != type || actual.length + offset != shape.length) {
            return false;
        }
        for (int i = 0; i < actual.length; i++) {
            long wanted = shape[i + offset];
            if (wanted >= 0 && wanted != actual[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorSpec that
                && name.equals(that.name)
                && type == that.type
                && Arrays.equals(shape, that.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + ":" + type + Arrays.toString(shape);
    }
}
