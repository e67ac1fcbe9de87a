package ai.hanzo.node.rpc.internal.inference;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.inference.DataType;
import ai.hanzo.node.api.inference.EngineInfo;
import ai.hanzo.node.api.inference.ModelFormat;
import ai.hanzo.node.api.inference.ModelInfo;
import ai.hanzo.node.api.inference.ModelSource;
import ai.hanzo.node.api.inference.Tensor;
import ai.hanzo.node.api.inference.TensorSpec;
import ai.hanzo.node.api.inference.Timings;
import ai.hanzo.node.api.inference.Truncation;
import ai.hanzo.node.proto.v1.InferItem;
import ai.hanzo.node.proto.v1.LoadModelRequest;
import ai.hanzo.node.proto.v1.TensorProto;
import ai.hanzo.node.proto.v1.Truncate;
import com.google.protobuf.ByteString;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Maps between the wire's messages and the api's values. Bad wire values are INVALID_ARGUMENT. */
final class InferenceMapper {
    private InferenceMapper() {}

    static ai.hanzo.node.proto.v1.ModelInfo model(ModelInfo info) {
        ai.hanzo.node.proto.v1.ModelInfo.Builder b =
                ai.hanzo.node.proto.v1.ModelInfo.newBuilder()
                        .setId(info.modelId())
                        .setEngine(info.engine())
                        .setDevice(device(info))
                        .setState(info.state().label())
                        .setFormat(info.format().name().toLowerCase(Locale.ROOT))
                        .setSource(info.source().toString())
                        .setError(info.error())
                        .setLoadMs(info.loadTime().toMillis())
                        .setMemoryBytes(info.memoryBytes())
                        .setMaxTokens(info.maxTokens())
                        .setDimensions(info.dimensions());
        if (info.loadedAt() != null) {
            b.setLoadedAtMs(info.loadedAt().toEpochMilli());
        }
        info.inputs().forEach(spec -> b.addInputs(spec(spec)));
        info.outputs().forEach(spec -> b.addOutputs(spec(spec)));
        return b.build();
    }

    private static String device(ModelInfo info) {
        return info.device().index() == 0
                ? info.device().kind()
                : info.device().kind() + ":" + info.device().index();
    }

    static ai.hanzo.node.proto.v1.TensorSpec spec(TensorSpec spec) {
        ai.hanzo.node.proto.v1.TensorSpec.Builder b =
                ai.hanzo.node.proto.v1.TensorSpec.newBuilder()
                        .setName(spec.name())
                        .setDataType(dataType(spec.type()));
        for (long d : spec.shape()) {
            b.addShape(d);
        }
        return b.build();
    }

    static ai.hanzo.node.proto.v1.EngineInfo engine(EngineInfo engine) {
        ai.hanzo.node.proto.v1.EngineInfo.Builder b =
                ai.hanzo.node.proto.v1.EngineInfo.newBuilder()
                        .setName(engine.name())
                        .setAvailable(engine.availability().available())
                        .setReason(
                                engine.availability().available()
                                        ? ""
                                        : String.valueOf(engine.availability().reason()));
        engine.devices().forEach(d -> b.addDevices(d.kind() + ":" + d.index()));
        engine.formats().stream()
                .map(f -> f.name().toLowerCase(Locale.ROOT))
                .sorted()
                .forEach(b::addFormats);
        return b.build();
    }

    static ai.hanzo.node.proto.v1.Timings timings(Timings t) {
        return ai.hanzo.node.proto.v1.Timings.newBuilder()
                .setTokenizeUs(t.tokenize().toNanos() / 1000)
                .setQueueUs(t.queue().toNanos() / 1000)
                .setInferenceUs(t.inference().toNanos() / 1000)
                .setTotalUs(t.total().toNanos() / 1000)
                .setBatchSize(t.batchSize())
                .build();
    }

    static Truncation truncation(Truncate truncate) {
        return switch (truncate) {
            case TRUNCATE_NONE -> Truncation.NONE;
            case TRUNCATE_END -> Truncation.END;
            case TRUNCATE_UNSPECIFIED -> Truncation.DEFAULT;
            default -> throw new InvalidArgumentException("unknown truncate value " + truncate);
        };
    }

    static ModelSource source(LoadModelRequest request) {
        if (request.getId().isBlank()) {
            throw new InvalidArgumentException("id is required: the id to serve the model under");
        }
        URI uri;
        try {
            uri = new URI(request.getUri());
        } catch (URISyntaxException e) {
            throw new InvalidArgumentException("uri is not a URI: " + e.getMessage());
        }
        if (uri.getScheme() == null) {
            throw new InvalidArgumentException(
                    "uri needs a scheme (file:, jar:file:...!/entry or mvn:): " + request.getUri());
        }
        ModelFormat format;
        try {
            format =
                    request.getFormat().isBlank()
                            ? ModelFormat.ONNX
                            : ModelFormat.valueOf(request.getFormat().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidArgumentException(
                    "unknown format "
                            + request.getFormat()
                            + "; onnx, torchscript, safetensors or mlx");
        }
        Map<String, String> options = new HashMap<>(request.getOptionsMap());
        if (!request.getEngine().isBlank()) {
            options.put(ModelSource.ENGINE, request.getEngine());
        }
        if (!request.getDevice().isBlank()) {
            options.put(ModelSource.DEVICE, request.getDevice());
        }
        return new ModelSource(request.getId(), format, uri, options);
    }

    static TensorProto.Builder dataTypeOnly(DataType type) {
        return TensorProto.newBuilder().setDataType(dataType(type));
    }

    static ai.hanzo.node.proto.v1.DataType dataType(DataType type) {
        return switch (type) {
            case FLOAT32 -> ai.hanzo.node.proto.v1.DataType.DATA_TYPE_FLOAT32;
            case INT64 -> ai.hanzo.node.proto.v1.DataType.DATA_TYPE_INT64;
            case INT32 -> ai.hanzo.node.proto.v1.DataType.DATA_TYPE_INT32;
            case UINT8 -> ai.hanzo.node.proto.v1.DataType.DATA_TYPE_UINT8;
            case BOOL -> ai.hanzo.node.proto.v1.DataType.DATA_TYPE_BOOL;
            case FLOAT16 -> ai.hanzo.node.proto.v1.DataType.DATA_TYPE_FLOAT16;
            case BFLOAT16 -> ai.hanzo.node.proto.v1.DataType.DATA_TYPE_BFLOAT16;
            case INT8 -> ai.hanzo.node.proto.v1.DataType.DATA_TYPE_INT8;
            case STRING -> ai.hanzo.node.proto.v1.DataType.DATA_TYPE_STRING;
            case FLOAT64 -> ai.hanzo.node.proto.v1.DataType.DATA_TYPE_FLOAT64;
        };
    }

    static DataType dataType(ai.hanzo.node.proto.v1.DataType type) {
        return switch (type) {
            case DATA_TYPE_FLOAT32 -> DataType.FLOAT32;
            case DATA_TYPE_INT64 -> DataType.INT64;
            case DATA_TYPE_INT32 -> DataType.INT32;
            case DATA_TYPE_UINT8 -> DataType.UINT8;
            case DATA_TYPE_BOOL -> DataType.BOOL;
            case DATA_TYPE_FLOAT16 -> DataType.FLOAT16;
            case DATA_TYPE_BFLOAT16 -> DataType.BFLOAT16;
            case DATA_TYPE_INT8 -> DataType.INT8;
            case DATA_TYPE_STRING -> DataType.STRING;
            case DATA_TYPE_FLOAT64 -> DataType.FLOAT64;
            default -> throw new InvalidArgumentException("tensor data_type is missing or unknown");
        };
    }

    static Map<String, Tensor> item(InferItem item, int index) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        item.getTensorsMap()
                .forEach(
                        (name, proto) -> {
                            try {
                                tensors.put(name, tensor(proto));
                            } catch (IllegalArgumentException e) {
                                throw new InvalidArgumentException(
                                        "item " + index + " input " + name + ": " + e.getMessage());
                            }
                        });
        return tensors;
    }

    static Tensor tensor(TensorProto proto) {
        DataType type = dataType(proto.getDataType());
        long[] shape = proto.getShapeList().stream().mapToLong(Long::longValue).toArray();
        if (type == DataType.STRING) {
            return Tensor.ofStrings(shape, proto.getStringsList());
        }
        return new Tensor(type, shape, proto.getData().asReadOnlyByteBuffer());
    }

    static InferItem item(Map<String, Tensor> tensors) {
        InferItem.Builder b = InferItem.newBuilder();
        tensors.forEach((name, tensor) -> b.putTensors(name, tensor(tensor)));
        return b.build();
    }

    static TensorProto tensor(Tensor tensor) {
        TensorProto.Builder b = dataTypeOnly(tensor.type());
        for (long d : tensor.shape()) {
            b.addShape(d);
        }
        if (tensor.type() == DataType.STRING) {
            b.addAllStrings(tensor.toStrings());
        } else {
            b.setData(ByteString.copyFrom(tensor.data().order(ByteOrder.LITTLE_ENDIAN)));
        }
        return b.build();
    }
}
