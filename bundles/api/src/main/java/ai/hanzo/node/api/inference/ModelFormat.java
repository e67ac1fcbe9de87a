package ai.hanzo.node.api.inference;

/** Formats in which a model can be stored on disk. */
public enum ModelFormat {
    /** ONNX ({@code .onnx}). */
    ONNX,
    /** PyTorch TorchScript ({@code .pt}). */
    TORCHSCRIPT,
    /** Safetensors weights. */
    SAFETENSORS,
    /** Apple MLX weights. */
    MLX
}
