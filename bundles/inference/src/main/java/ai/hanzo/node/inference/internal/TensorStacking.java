package ai.hanzo.node.inference.internal;

import ai.hanzo.node.api.inference.DataType;
import ai.hanzo.node.api.inference.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Stacking items into one batched tensor and splitting a batched output back into items. */
final class TensorStacking {
    private TensorStacking() {}

    /** Items of equal type and shape, stacked along a new first dimension. */
    static Tensor stack(List<Tensor> items) {
        Tensor first = items.get(0);
        long[] itemShape = first.shape();
        long[] shape = new long[itemShape.length + 1];
        shape[0] = items.size();
        System.arraycopy(itemShape, 0, shape, 1, itemShape.length);
        if (first.type() == DataType.STRING) {
            List<String> strings = new ArrayList<>();
            items.forEach(t -> strings.addAll(t.toStrings()));
            return Tensor.ofStrings(shape, strings);
        }
        int size = items.stream().mapToInt(t -> t.data().remaining()).sum();
        ByteBuffer data = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        items.forEach(t -> data.put(t.data()));
        data.flip();
        return new Tensor(first.type(), shape, data);
    }

    /** A batched tensor split along its first dimension into {@code n} items. */
    static List<Tensor> split(Tensor batched, int n, String name) {
        long[] shape = batched.shape();
        if (shape.length == 0 || shape[0] != n) {
            throw new IllegalStateException(
                    "output "
                            + name
                            + " has shape "
                            + java.util.Arrays.toString(shape)
                            + ", not a first dimension of "
                            + n
                            + " (the batch)");
        }
        long[] itemShape = java.util.Arrays.copyOfRange(shape, 1, shape.length);
        List<Tensor> parts = new ArrayList<>(n);
        if (batched.type() == DataType.STRING) {
            List<String> strings = batched.toStrings();
            int per = strings.size() / n;
            for (int i = 0; i < n; i++) {
                parts.add(Tensor.ofStrings(itemShape, strings.subList(i * per, (i + 1) * per)));
            }
            return parts;
        }
        ByteBuffer data = batched.data();
        int per = data.remaining() / n;
        for (int i = 0; i < n; i++) {
            ByteBuffer slice = data.duplicate();
            slice.position(i * per).limit((i + 1) * per);
            parts.add(new Tensor(batched.type(), itemShape, slice));
        }
        return parts;
    }
}
