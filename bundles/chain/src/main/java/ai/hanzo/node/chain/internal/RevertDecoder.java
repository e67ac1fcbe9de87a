package ai.hanzo.node.chain.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * Turns revert data into words: the registry's custom errors (from its ABI) with their arguments,
 * Solidity's {@code Error(string)} and {@code Panic(uint256)}.
 */
final class RevertDecoder {
    private static final String ERROR_STRING = "0x08c379a0";
    private static final String PANIC = "0x4e487b71";

    private record CustomError(String name, List<String> types) {}

    private final Map<String, CustomError> bySelector;

    private RevertDecoder(Map<String, CustomError> bySelector) {
        this.bySelector = Map.copyOf(bySelector);
    }

    /** The decoder for the registry contract, from the ABI packaged with this bundle. */
    static RevertDecoder forRegistry() {
        try (InputStream in =
                RevertDecoder.class.getResourceAsStream("contract/NodeRegistry.abi")) {
            if (in == null) {
                throw new IllegalStateException("NodeRegistry.abi is missing from the bundle");
            }
            return fromAbi(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RevertDecoder fromAbi(JsonNode abi) {
        Map<String, CustomError> errors = new HashMap<>();
        for (JsonNode entry : abi) {
            if (!"error".equals(entry.path("type").asText())) {
                continue;
            }
            List<String> types = new ArrayList<>();
            entry.path("inputs").forEach(input -> types.add(input.path("type").asText()));
            String name = entry.path("name").asText();
            String signature = name + "(" + String.join(",", types) + ")";
            String selector = Hash.sha3String(signature).substring(0, 10);
            errors.put(selector, new CustomError(name, types));
        }
        return new RevertDecoder(errors);
    }

    /**
     * @param data revert data, 0x-prefixed hex, possibly empty
     * @return the reason, such as {@code StakeBelowMinimum(1, 100)}
     */
    String decode(String data) {
        if (data == null || data.length() < 10 || !data.startsWith("0x")) {
            return "the contract reverted without a reason";
        }
        String selector = data.substring(0, 10).toLowerCase();
        String arguments = data.substring(10);
        try {
            if (selector.equals(ERROR_STRING)) {
                return "Error(" + decodeValues(arguments, List.of("string")) + ")";
            }
            if (selector.equals(PANIC)) {
                return "Panic(" + decodeValues(arguments, List.of("uint256")) + ")";
            }
            CustomError error = bySelector.get(selector);
            if (error != null) {
                return error.name() + "(" + decodeValues(arguments, error.types()) + ")";
            }
        } catch (RuntimeException | ClassNotFoundException e) {
            return "undecodable revert data " + data;
        }
        return "unknown error " + selector + " with data " + data;
    }

    // web3j's decoder API is written with raw Type
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static String decodeValues(String hex, List<String> types)
            throws ClassNotFoundException {
        List<TypeReference<Type>> references = new ArrayList<>();
        for (String type : types) {
            references.add((TypeReference<Type>) TypeReference.makeTypeReference(type));
        }
        List<Type> values = FunctionReturnDecoder.decode(hex, references);
        return values.stream()
                .map(
                        value ->
                                value.getValue() instanceof byte[] bytes
                                        ? Numeric.toHexString(bytes)
                                        : (value.getValue() instanceof String s
                                                ? "\"" + s + "\""
                                                : String.valueOf(value.getValue())))
                .collect(Collectors.joining(", "));
    }
}
