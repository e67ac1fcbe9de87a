package ai.hanzo.node.pytorch.runtime;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.inference.DataType;
import ai.hanzo.node.api.inference.Device;
import ai.hanzo.node.api.inference.LoadedModel;
import ai.hanzo.node.api.inference.ModelSource;
import ai.hanzo.node.api.inference.Tensor;
import ai.hanzo.node.api.inference.TensorSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/** A TorchScript module loaded by DJL's PyTorch engine. */
final class TorchScriptModel implements LoadedModel {
    private final ModelSource source;
    private final Device device;
    private final Model model;
    private final TensorSignature signature;
    private final long memoryBytes;
    private final Consumer<TorchScriptModel> onClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    private TorchScriptModel(
            ModelSource source,
            Device device,
            Model model,
            TensorSignature signature,
            long memoryBytes,
            Consumer<TorchScriptModel> onClose) {
        this.source = source;
        this.device = device;
        this.model = model;
        this.signature = signature;
        this.memoryBytes = memoryBytes;
        this.onClose = onClose;
    }

    /**
     * Loads the module onto {@code djlDevice}; runs with this bundle's class loader as the thread
     * context class loader (the caller's duty).
     */
    static TorchScriptModel load(
            ModelSource source,
            Device device,
            ai.djl.Device djlDevice,
            Consumer<TorchScriptModel> onClose) {
        Path file = Path.of(source.location());
        if (!Files.isRegularFile(file)) {
            throw new InvalidArgumentException("model file " + file + " does not exist");
        }
        TensorSignature signature = TensorSignature.of(file, source.options());
        Model model = Model.newInstance(source.modelId(), djlDevice, TorchRuntimeEngine.DJL_ENGINE);
        try {
            // the file name is the model; DJL's PyTorch loader wants the directory and the name
            model.load(file.getParent(), file.getFileName().toString(), Map.of());
            return new TorchScriptModel(
                    source, device, model, signature, Files.size(file), onClose);
        } catch (MalformedModelException | IOException | RuntimeException e) {
            model.close();
            throw new InvalidArgumentException(
                    "cannot load " + file.getFileName() + " as TorchScript: " + rootMessage(e), e);
        }
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null ? root.toString() : message.lines().findFirst().orElse(message);
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
        return signature.inputs();
    }

    @Override
    public List<TensorSpec> outputs() {
        return signature.outputs();
    }

    @Override
    public long memoryBytes() {
        return memoryBytes;
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> batch) {
        if (closed.get()) {
            throw new IllegalStateException("model " + source.modelId() + " is closed");
        }
        // a predictor per run: DJL predictors are not thread-safe, a TorchScript module in
        // inference mode is
        try (NDManager manager = model.getNDManager().newSubManager();
                Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator())) {
            NDList in = new NDList();
            for (TensorSpec spec : signature.inputs()) {
                Tensor tensor = batch.get(spec.name());
                if (tensor == null) {
                    throw new InvalidArgumentException("input " + spec.name() + " is missing");
                }
                in.add(toArray(manager, tensor));
            }
            NDList out = predictor.predict(in);
            List<TensorSpec> outputs = signature.outputs();
            if (out.size() != outputs.size()) {
                throw new IllegalStateException(
                        "the module returned "
                                + out.size()
                                + " tensors, its signature names "
                                + outputs.size());
            }
            Map<String, Tensor> result = new LinkedHashMap<>();
            for (int i = 0; i < out.size(); i++) {
                result.put(outputs.get(i).name(), toTensor(out.get(i)));
            }
            out.close();
            return result;
        } catch (TranslateException e) {
            throw new InvalidArgumentException("PyTorch refused the input: " + rootMessage(e), e);
        }
    }

    private static NDArray toArray(NDManager manager, Tensor tensor) {
        if (tensor.type() == DataType.STRING) {
            throw new InvalidArgumentException("PyTorch models take no string tensors");
        }
        ByteBuffer data = ByteBuffer.allocateDirect(tensor.data().remaining());
        data.order(ByteOrder.nativeOrder()).put(tensor.data()).flip();
        return manager.create(data, new Shape(tensor.shape()), djlType(tensor.type()));
    }

    private static Tensor toTensor(NDArray array) {
        long[] shape = array.getShape().getShape();
        DataType type = nodeType(array.getDataType());
        // an accelerator's tensor comes back to host memory here
        ByteBuffer data = array.toDevice(ai.djl.Device.cpu(), false).toByteBuffer();
        return new Tensor(type, shape, data.order(ByteOrder.LITTLE_ENDIAN));
    }

    private static ai.djl.ndarray.types.DataType djlType(DataType type) {
        return switch (type) {
            case FLOAT32 -> ai.djl.ndarray.types.DataType.FLOAT32;
            case FLOAT64 -> ai.djl.ndarray.types.DataType.FLOAT64;
            case INT64 -> ai.djl.ndarray.types.DataType.INT64;
            case INT32 -> ai.djl.ndarray.types.DataType.INT32;
            case INT8 -> ai.djl.ndarray.types.DataType.INT8;
            case UINT8 -> ai.djl.ndarray.types.DataType.UINT8;
            case BOOL -> ai.djl.ndarray.types.DataType.BOOLEAN;
            case FLOAT16 -> ai.djl.ndarray.types.DataType.FLOAT16;
            case BFLOAT16 -> ai.djl.ndarray.types.DataType.BFLOAT16;
            case STRING -> throw new InvalidArgumentException("PyTorch has no string tensors");
        };
    }

    private static DataType nodeType(ai.djl.ndarray.types.DataType type) {
        return switch (type) {
            case FLOAT32 -> DataType.FLOAT32;
            case FLOAT64 -> DataType.FLOAT64;
            case INT64 -> DataType.INT64;
            case INT32 -> DataType.INT32;
            case INT8 -> DataType.INT8;
            case UINT8 -> DataType.UINT8;
            case BOOLEAN -> DataType.BOOL;
            case FLOAT16 -> DataType.FLOAT16;
            case BFLOAT16 -> DataType.BFLOAT16;
            default -> throw new IllegalStateException("the model produced a " + type + " tensor");
        };
    }

    boolean isClosed() {
        return closed.get();
    }

    /** Frees the native module; safe to call more than once and from any thread. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            model.close();
            onClose.accept(this);
        }
    }
}
