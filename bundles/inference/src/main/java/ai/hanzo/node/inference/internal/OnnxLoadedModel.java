package ai.hanzo.node.inference.internal;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.inference.DataType;
import ai.hanzo.node.api.inference.Device;
import ai.hanzo.node.api.inference.LoadedModel;
import ai.hanzo.node.api.inference.ModelSource;
import ai.hanzo.node.api.inference.Tensor;
import ai.hanzo.node.api.inference.TensorSpec;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** A model loaded into an ONNX Runtime session through DJL, run on that session directly. */
final class OnnxLoadedModel implements LoadedModel {
    /** Load option: whether ORT's idle intra-op and inter-op threads spin ({@code false}). */
    static final String SPINNING = "intraOpSpinning";

    private final ModelSource source;
    private final Device device;
    private final Model model;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final List<TensorSpec> inputs;
    private final List<TensorSpec> outputs;
    private final long memoryBytes;
    private final AtomicBoolean closed = new AtomicBoolean();

    private OnnxLoadedModel(
            ModelSource source,
            Device device,
            Model model,
            OrtSession session,
            List<TensorSpec> inputs,
            List<TensorSpec> outputs,
            long memoryBytes) {
        this.source = source;
        this.device = device;
        this.model = model;
        this.environment = OrtEnvironment.getEnvironment();
        this.session = session;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.memoryBytes = memoryBytes;
    }

    static OnnxLoadedModel load(ModelSource source, Device device) {
        Path file = Path.of(source.location());
        if (!Files.isRegularFile(file)) {
            throw new InvalidArgumentException("model file " + file + " does not exist");
        }
        long rssBefore = ProcessMemory.residentBytes();
        Model model = null;
        // our own session options: DJL 0.38 applies intraOpNumThreads only when interOpNumThreads
        // is given too, and has no key for spinning; ORT copies them into the session
        try (OrtSession.SessionOptions sessionOptions = sessionOptions(source)) {
            Map<String, Object> options = Map.of("sessionOptions", sessionOptions);
            Model created =
                    DjlEnvironment.withBundleLoader(
                            () ->
                                    Model.newInstance(
                                            source.modelId(),
                                            ai.djl.Device.cpu(),
                                            OnnxRuntimeEngine.DJL_ENGINE));
            model = created;
            DjlEnvironment.withBundleLoader(
                    () -> {
                        created.load(file, file.getFileName().toString(), options);
                        return null;
                    });
            OrtSession session = session(model);
            List<TensorSpec> inputs = specs(session.getInputInfo());
            List<TensorSpec> outputs = specs(session.getOutputInfo());
            long rssAfter = ProcessMemory.residentBytes();
            // the session holds at least the weights; RSS growth also counts ORT's arenas
            long memory = Math.max(Files.size(file), rssAfter - rssBefore);
            return new OnnxLoadedModel(source, device, model, session, inputs, outputs, memory);
        } catch (MalformedModelException | OrtException | IOException e) {
            close(model);
            throw new InvalidArgumentException(
                    "cannot read " + file.getFileName() + " as an ONNX model: " + rootMessage(e),
                    e);
        } catch (RuntimeException e) {
            close(model);
            throw new InvalidArgumentException(
                    "cannot load " + file.getFileName() + " with ONNX Runtime: " + rootMessage(e),
                    e);
        } catch (Exception e) {
            close(model);
            throw new IllegalStateException("loading " + file + " failed: " + e, e);
        }
    }

    /**
     * Intra-op and inter-op threads from the source's options (0 or absent: ORT's default, the
     * physical cores) and whether idle intra-op threads spin. Spinning is off unless asked for: on
     * a node the cores are shared with gRPC, tokenising and everything else, and a spinning pool
     * takes CPU from them between batches for a gain of microseconds per operator.
     */
    static OrtSession.SessionOptions sessionOptions(ModelSource source) throws OrtException {
        int intra = threads(source, ModelSource.INTRA_OP_THREADS);
        int inter = threads(source, ModelSource.INTER_OP_THREADS);
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            if (intra > 0) {
                options.setIntraOpNumThreads(intra);
            }
            if (inter > 0) {
                options.setInterOpNumThreads(inter);
            }
            boolean spinning = Boolean.parseBoolean(source.option(SPINNING, "false"));
            options.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
            options.addConfigEntry("session.inter_op.allow_spinning", spinning ? "1" : "0");
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }

    private static int threads(ModelSource source, String key) {
        String value = source.option(key, "0");
        try {
            int threads = Integer.parseInt(value.trim());
            if (threads < 0) {
                throw new NumberFormatException();
            }
            return threads;
        } catch (NumberFormatException e) {
            throw new InvalidArgumentException(
                    key
                            + " must be a whole number of threads (0: the engine's default), not "
                            + value);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null ? root.toString() : message;
    }

    private static void close(Model model) {
        if (model != null) {
            model.close();
        }
    }

    /**
     * DJL 0.38 tells input names and shapes but not element types; the ORT session behind its block
     * knows them. The field is private in this exact, embedded DJL version.
     */
    private static OrtSession session(Model model) throws ReflectiveOperationException {
        Object block = model.getBlock();
        Field field = block.getClass().getDeclaredField("session");
        field.setAccessible(true);
        return (OrtSession) field.get(block);
    }

    private static List<TensorSpec> specs(Map<String, NodeInfo> nodes) {
        List<TensorSpec> specs = new ArrayList<>();
        nodes.forEach(
                (name, node) -> {
                    if (node.getInfo() instanceof TensorInfo tensor) {
                        specs.add(new TensorSpec(name, dataType(tensor.type), tensor.getShape()));
                    }
                });
        return specs;
    }

    private static DataType dataType(OnnxJavaType type) {
        return switch (type) {
            case FLOAT -> DataType.FLOAT32;
            case DOUBLE -> DataType.FLOAT64;
            case INT64 -> DataType.INT64;
            case INT32 -> DataType.INT32;
            case INT8 -> DataType.INT8;
            case UINT8 -> DataType.UINT8;
            case BOOL -> DataType.BOOL;
            case FLOAT16 -> DataType.FLOAT16;
            case BFLOAT16 -> DataType.BFLOAT16;
            case STRING -> DataType.STRING;
            default ->
                    throw new InvalidArgumentException(
                            "the model uses tensors of "
                                    + type
                                    + ", which the node does not serve");
        };
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
        return inputs;
    }

    @Override
    public List<TensorSpec> outputs() {
        return outputs;
    }

    @Override
    public long memoryBytes() {
        return memoryBytes;
    }

    /**
     * Runs the session DJL loaded, through ORT's own tensors: DJL's path (a predictor, an NDManager
     * and NDArrays per run, the output copied twice) cost a lone short text about 0.8 ms of ~5 ms
     * in a side-by-side probe, for nothing the node uses. DJL still loads and closes the model.
     */
    @Override
    public Map<String, Tensor> run(Map<String, Tensor> batch) {
        if (closed.get()) {
            throw new IllegalStateException("model " + source.modelId() + " is closed");
        }
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        try {
            for (TensorSpec spec : inputs) {
                Tensor tensor = batch.get(spec.name());
                if (tensor == null) {
                    throw new InvalidArgumentException("input " + spec.name() + " is missing");
                }
                in.put(spec.name(), toOnnx(tensor));
            }
            try (OrtSession.Result out = session.run(in)) {
                Map<String, Tensor> result = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> output : out) {
                    if (!(output.getValue() instanceof OnnxTensor tensor)) {
                        throw new IllegalStateException(
                                "output " + output.getKey() + " is not a tensor");
                    }
                    result.put(output.getKey(), toTensor(tensor));
                }
                return result;
            }
        } catch (OrtException e) {
            throw new InvalidArgumentException(
                    "ONNX Runtime refused the input: " + rootMessage(e), e);
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    private OnnxTensor toOnnx(Tensor tensor) throws OrtException {
        long[] shape = tensor.shape();
        if (tensor.type() == DataType.STRING) {
            return OnnxTensor.createTensor(
                    environment, tensor.toStrings().toArray(String[]::new), shape);
        }
        // ORT takes a direct buffer as it is (a heap one only as the typed buffer of its type);
        // the node's tensors are little-endian, as are the CPUs ORT runs on here
        ByteBuffer data = tensor.data();
        ByteBuffer direct =
                ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.nativeOrder());
        direct.put(data).flip();
        return OnnxTensor.createTensor(environment, direct, shape, onnxType(tensor.type()));
    }

    private static Tensor toTensor(OnnxTensor tensor) throws OrtException {
        TensorInfo info = tensor.getInfo();
        long[] shape = info.getShape();
        DataType type = dataType(info.type);
        if (type == DataType.STRING) {
            List<String> values = new ArrayList<>();
            flatten(tensor.getValue(), values);
            return Tensor.ofStrings(shape, values);
        }
        return new Tensor(type, shape, tensor.getByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
    }

    private static void flatten(Object value, List<String> into) {
        if (value instanceof Object[] array) {
            for (Object element : array) {
                flatten(element, into);
            }
        } else {
            into.add((String) value);
        }
    }

    private static OnnxJavaType onnxType(DataType type) {
        return switch (type) {
            case FLOAT32 -> OnnxJavaType.FLOAT;
            case FLOAT64 -> OnnxJavaType.DOUBLE;
            case INT64 -> OnnxJavaType.INT64;
            case INT32 -> OnnxJavaType.INT32;
            case INT8 -> OnnxJavaType.INT8;
            case UINT8 -> OnnxJavaType.UINT8;
            case BOOL -> OnnxJavaType.BOOL;
            case FLOAT16 -> OnnxJavaType.FLOAT16;
            case BFLOAT16 -> OnnxJavaType.BFLOAT16;
            case STRING -> OnnxJavaType.STRING;
        };
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            model.close();
        }
    }
}
