package ai.hanzo.example.runc;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The little JSON this plugin needs, written by hand: a plugin embeds what it uses or does without,
 * and config.json plus two numbers out of {@code runc events} do not justify a library.
 */
final class Json {
    private Json() {}

    /** Renders maps, lists, strings, numbers, booleans and null. */
    static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.append('\n').toString();
    }

    private static void write(StringBuilder out, Object value, int indent) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            quote(out, s);
        } else if (value instanceof Number || value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            String sep = "\n";
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(sep).append("  ".repeat(indent + 1));
                quote(out, String.valueOf(e.getKey()));
                out.append(": ");
                write(out, e.getValue(), indent + 1);
                sep = ",\n";
            }
            out.append(map.isEmpty() ? "" : "\n" + "  ".repeat(indent)).append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            String sep = "";
            for (Object item : list) {
                out.append(sep);
                write(out, item, indent + 1);
                sep = ", ";
            }
            out.append(']');
        } else {
            throw new IllegalArgumentException("cannot write " + value.getClass() + " as JSON");
        }
    }

    private static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * @param json a JSON text
     * @param key a key whose value is a number
     * @return the number after the first occurrence of {@code "key":}, or -1 when absent
     */
    static long number(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*(\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * @param json a JSON text
     * @param key a key whose value is a string without escapes
     * @return the string after the first occurrence of {@code "key":}, or empty when absent
     */
    static String string(String json, String key) {
        Matcher m =
                Pattern.compile("\"" + Pattern.quote(key) + "\"\\s*:\\s*\"([^\"\\\\]*)\"")
                        .matcher(json);
        return m.find() ? m.group(1) : "";
    }
}
