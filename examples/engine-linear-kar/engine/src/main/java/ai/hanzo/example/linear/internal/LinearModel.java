package ai.hanzo.example.linear.internal;

import ai.hanzo.example.safetensors.SafeTensors;
import ai.hanzo.example.safetensors.TensorEntry;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.inference.DataType;
import ai.hanzo.node.api.inference.Device;
import ai.hanzo.node.api.inference.LoadedModel;
import ai.hanzo.node.api.inference.ModelSource;
import ai.hanzo.node.api.inference.Tensor;
import ai.hanzo.node.api.inference.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/** A loaded linear model: input {@code x} [batch, in], output {@code y} [batch, out]. */
final class LinearModel implements LoadedModel {
    private final ModelSource source;
    private final Device device;
    private final float[] weight;
    private final float[] bias;
    private final int in;
    private final int out;

    private LinearModel(
            ModelSource source, Device device, float[] weight, float[] bias, int in, int out) {
        this.source = source;
        this.device = device;
        this.weight = weight;
        this.bias = bias;
        this.in = in;
        this.out = out;
    }

    static LinearModel of(ModelSource source, Device device, SafeTensors file) {
        TensorEntry w =
                file.entry("weight")
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "no weight tensor; the file has "
                                                        + file.entries().keySet()));
        long[] shape = w.shape();
        if (shape.length != 2 || shape[0] < 1 || shape[1] < 1) {
            throw new IllegalArgumentException("weight must be [out, in], is " + w);
        }
        int out = (int) shape[0];
        int in = (int) shape[1];
        float[] bias = new float[out];
        if (file.entry("bias").isPresent()) {
            bias = file.floats("bias");
            if (bias.length != out) {
                throw new IllegalArgumentException(
                        "bias has " + bias.length + " elements, weight has " + out + " rows");
            }
        }
        return new LinearModel(source, device, file.floats("weight"), bias, in, out);
    }

    /** y = x W^T + b for {@code rows} rows of x. */
    float[] apply(float[] x, int rows) {
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                float sum = bias[o];
                for (int i = 0; i < in; i++) {
                    sum += x[r * in + i] * weight[o * in + i];
                }
                y[r * out + o] = sum;
            }
        }
        return y;
    }

    @Override
    public ModelSource source() {
        return source;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public List<TensorSpec> inputs() {
        return List.of(new TensorSpec("x", DataType.FLOAT32, new long[] {-1, in}));
    }

    @Override
    public List<TensorSpec> outputs() {
        return List.of(new TensorSpec("y", DataType.FLOAT32, new long[] {-1, out}));
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        Tensor x = inputs.get("x");
        if (x == null
                || x.type() != DataType.FLOAT32
                || x.shape().length != 2
                || x.shape()[1] != in) {
            throw new InvalidArgumentException(
                    "the linear model takes x: FLOAT32 [batch, " + in + "], got " + inputs);
        }
        int rows = (int) x.shape()[0];
        float[] values = new float[rows * in];
        x.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        float[] y = apply(values, rows);
        ByteBuffer data =
                ByteBuffer.allocate(y.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(y);
        return Map.of("y", new Tensor(DataType.FLOAT32, new long[] {rows, out}, data));
    }

    @Override
    public long memoryBytes() {
        return (long) (weight.length + bias.length) * Float.BYTES;
    }

    @Override
    public void close() {
        // plain arrays: nothing to release
    }
}
