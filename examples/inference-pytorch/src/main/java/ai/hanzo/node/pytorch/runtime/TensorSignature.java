package ai.hanzo.node.pytorch.runtime;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.inference.DataType;
import ai.hanzo.node.api.inference.TensorSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The named inputs and outputs of a TorchScript model, which the file itself does not declare.
 *
 * <p>They come from the load options {@code inputs} and {@code outputs}, else from an extra file
 * {@value #EXTRA_FILE} inside the TorchScript archive ({@code torch.jit.save(m, f,
 * _extra_files=...)}) with the same two keys. Each is a comma-separated list of {@code
 * name:type:dims}, dims joined by {@code x} with the batch dimension first and {@code -1} for any
 * size: {@code x:float32:-1x8}. The model is called with the inputs in this order, and its outputs
 * (one tensor or a tuple) are named in this order.
 */
record TensorSignature(List<TensorSpec> inputs, List<TensorSpec> outputs) {
    static final String EXTRA_FILE = "hanzo-signature.properties";
    static final String INPUTS = "inputs";
    static final String OUTPUTS = "outputs";

    static TensorSignature of(Path model, Map<String, String> options) {
        Properties extra = readExtraFile(model);
        String inputs = options.getOrDefault(INPUTS, extra.getProperty(INPUTS));
        String outputs = options.getOrDefault(OUTPUTS, extra.getProperty(OUTPUTS));
        if (inputs == null || outputs == null) {
            throw new InvalidArgumentException(
                    "TorchScript model "
                            + model.getFileName()
                            + " does not say its inputs and outputs: give the load options"
                            + " 'inputs' and 'outputs' (e.g. x:float32:-1x8) or save it with an"
                            + " extra file "
                            + EXTRA_FILE);
        }
        return new TensorSignature(parse(inputs), parse(outputs));
    }

    static List<TensorSpec> parse(String list) {
        List<TensorSpec> specs = new ArrayList<>();
        for (String item : list.split(",")) {
            String[] parts = item.trim().split(":");
            if (parts.length != 3 || parts[0].isBlank()) {
                throw new InvalidArgumentException(
                        "tensor '" + item.trim() + "' is not name:type:dims (e.g. x:float32:-1x8)");
            }
            DataType type;
            try {
                type = DataType.valueOf(parts[1].trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidArgumentException(
                        "tensor " + parts[0] + ": unknown type " + parts[1], e);
            }
            String[] dims = parts[2].trim().split("x");
            long[] shape = new long[dims.length];
            try {
                for (int i = 0; i < dims.length; i++) {
                    shape[i] = Long.parseLong(dims[i].trim());
                }
            } catch (NumberFormatException e) {
                throw new InvalidArgumentException(
                        "tensor " + parts[0] + ": bad dims " + parts[2], e);
            }
            specs.add(new TensorSpec(parts[0].trim(), type, shape));
        }
        return List.copyOf(specs);
    }

    /** TorchScript archives are zip files whose extra files sit under {@code <root>/extra/}. */
    private static Properties readExtraFile(Path model) {
        Properties properties = new Properties();
        try (ZipFile zip = new ZipFile(model.toFile())) {
            ZipEntry entry =
                    zip.stream()
                            .filter(e -> e.getName().endsWith("/extra/" + EXTRA_FILE))
                            .findFirst()
                            .orElse(null);
            if (entry != null) {
                try (InputStream in = zip.getInputStream(entry)) {
                    properties.load(in);
                }
            }
        } catch (IOException e) {
            throw new InvalidArgumentException(
                    model.getFileName() + " is not a TorchScript archive: " + e.getMessage(), e);
        }
        return properties;
    }
}
