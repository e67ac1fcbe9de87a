package ai.hanzo.node.api.inference;

/**
 * A model input or output: its name, type and shape, with -1 for a dynamic dimension.
 *
 * @param name the name
 * @param type the element type
 * @param shape the dimensions
 */
public record TensorSpec(String name, DataType type, long[] shape) {
    /** Copies the shape. */
    public TensorSpec {
        shape = shape.clone();
    }

    /**
     * @return a copy of the shape
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }
}
