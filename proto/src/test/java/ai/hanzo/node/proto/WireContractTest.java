package ai.hanzo.node.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.proto.v1.InferenceProto;
import ai.hanzo.node.proto.v1.NodeProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks each compiled service against its written wire contract: {@code node-service.md} (a copy
 * of shared/spec/node-service.md, the Rust node's contract) and {@code inference-service.md}. Every
 * RPC with its streaming kind and types, every message field with its number and type, every enum
 * value with its number.
 */
class WireContractTest {
    /**
     * One contract: its spec resource, the compiled file, the service, how many RPCs the spec has
     * and at least how many fields.
     */
    record Contract(String spec, FileDescriptor file, String service, int rpcs, int minFields) {
        @Override
        public String toString() {
            return service;
        }
    }

    static Stream<Contract> contracts() {
        return Stream.of(
                new Contract("/node-service.md", NodeProto.getDescriptor(), "NodeService", 15, 100),
                new Contract(
                        "/inference-service.md",
                        InferenceProto.getDescriptor(),
                        "InferenceService",
                        9,
                        70));
    }

    private static final Pattern RPC_ROW =
            Pattern.compile(
                    "\\|\\s*\\d+\\s*\\|\\s*(\\w+)\\s*\\|\\s*([a-z ]+?)\\s*\\|\\s*(stream )?(\\w+)\\s*->\\s*(stream )?(\\w+)\\s*\\|");
    private static final Pattern FIELD = Pattern.compile("(\\w+)=(\\d+):((?:repeated )?[\\w<>,]+)");

    private static String spec(Contract contract) throws IOException {
        try (InputStream in = WireContractTest.class.getResourceAsStream(contract.spec())) {
            assertNotNull(in, contract.spec() + " on the test class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> section(String spec, String heading) {
        List<String> lines = new ArrayList<>();
        boolean inside = false;
        for (String line : spec.split("\n")) {
            if (line.startsWith("## ")) {
                inside = line.startsWith("## " + heading);
            } else if (inside && line.startsWith("- ")) {
                lines.add(line.substring(2).trim());
            }
        }
        return lines;
    }

    @ParameterizedTest
    @MethodSource("contracts")
    void everyRpcHasItsNameKindAndTypes(Contract contract) throws IOException {
        ServiceDescriptor service = contract.file().findServiceByName(contract.service());
        assertNotNull(service, contract.service());
        assertEquals("hanzo.node.v1", contract.file().getPackage());
        Matcher row = RPC_ROW.matcher(spec(contract));
        int rpcs = 0;
        while (row.find()) {
            rpcs++;
            MethodDescriptor method = service.findMethodByName(row.group(1));
            assertNotNull(method, "rpc " + row.group(1));
            String kind = row.group(2);
            assertEquals(
                    row.group(3) != null,
                    method.isClientStreaming(),
                    method.getName() + " client streaming");
            assertEquals(
                    row.group(5) != null,
                    method.isServerStreaming(),
                    method.getName() + " server streaming");
            assertEquals(
                    kind.contains("stream"),
                    method.isServerStreaming(),
                    method.getName() + " kind " + kind);
            assertEquals(row.group(4), method.getInputType().getName());
            assertEquals(row.group(6), method.getOutputType().getName());
        }
        assertEquals(contract.rpcs(), rpcs, "RPCs the spec lists");
        assertEquals(
                rpcs,
                service.getMethods().size(),
                "no RPC beyond the spec in " + contract.service());
    }

    @ParameterizedTest
    @MethodSource("contracts")
    void everyMessageFieldHasItsNumberAndType(Contract contract) throws IOException {
        int fields = 0;
        for (String line : section(spec(contract), "Messages")) {
            for (String message : line.split(" ; ")) {
                int colon = message.indexOf(':');
                Descriptor descriptor =
                        contract.file().findMessageTypeByName(message.substring(0, colon).trim());
                assertNotNull(descriptor, "message in: " + message);
                String body = message.substring(colon + 1).replaceAll("\\([^)]*\\)", "").trim();
                Matcher field = FIELD.matcher(body.replace(", ", " "));
                int count = 0;
                while (field.find()) {
                    count++;
                    fields++;
                    checkField(
                            descriptor,
                            field.group(1),
                            Integer.parseInt(field.group(2)),
                            field.group(3));
                }
                assertEquals(
                        count,
                        descriptor.getFields().size(),
                        descriptor.getName() + " has exactly the spec's fields");
            }
        }
        assertTrue(fields > contract.minFields(), "parsed " + fields + " fields");
    }

    private static void checkField(Descriptor message, String name, int number, String type) {
        FieldDescriptor field = message.findFieldByName(name);
        String where = message.getName() + "." + name;
        assertNotNull(field, where);
        assertEquals(number, field.getNumber(), where + " number");
        if (type.startsWith("map<")) {
            assertTrue(field.isMapField(), where + " is a map");
            String valueType = type.substring(type.indexOf(',') + 1, type.length() - 1);
            assertEquals(
                    valueType,
                    typeName(field.getMessageType().findFieldByName("value")),
                    where + " map value");
            return;
        }
        boolean repeated = type.startsWith("repeated ");
        assertEquals(repeated, field.isRepeated(), where + " repeated");
        assertEquals(
                repeated ? type.substring("repeated ".length()) : type,
                typeName(field),
                where + " type");
    }

    private static String typeName(FieldDescriptor field) {
        return switch (field.getType()) {
            case MESSAGE -> field.getMessageType().getName();
            case ENUM -> field.getEnumType().getName();
            default -> field.getType().name().toLowerCase();
        };
    }

    @ParameterizedTest
    @MethodSource("contracts")
    void everyEnumValueHasItsNumber(Contract contract) throws IOException {
        List<String> enums = section(spec(contract), "Enums");
        assertTrue(!enums.isEmpty(), "the spec lists enums");
        for (String line : enums) {
            int colon = line.indexOf(':');
            EnumDescriptor descriptor =
                    contract.file().findEnumTypeByName(line.substring(0, colon).trim());
            assertNotNull(descriptor, line);
            String[] values = line.substring(colon + 1).trim().split(",\\s*");
            for (String value : values) {
                String[] pair = value.trim().split("=");
                assertEquals(
                        Integer.parseInt(pair[1].trim()),
                        descriptor.findValueByName(pair[0].trim()).getNumber(),
                        value);
            }
            assertEquals(
                    values.length,
                    descriptor.getValues().size(),
                    descriptor.getName() + " has exactly the spec's values");
        }
    }
}
