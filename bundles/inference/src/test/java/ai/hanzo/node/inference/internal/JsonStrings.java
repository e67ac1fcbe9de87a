package ai.hanzo.node.inference.internal;

import java.util.ArrayList;
import java.util.List;

/** Parses a JSON array of strings (the test fixture's texts), escapes included. */
final class JsonStrings {
    private JsonStrings() {}

    static List<String> parseArray(String json) {
        List<String> strings = new ArrayList<>();
        int i = json.indexOf('[') + 1;
        while (true) {
            int open = json.indexOf('"', i);
            if (open < 0) {
                return strings;
            }
            StringBuilder value = new StringBuilder();
            int at = open + 1;
            while (json.charAt(at) != '"') {
                char c = json.charAt(at);
                if (c == '\\') {
                    char next = json.charAt(++at);
                    switch (next) {
                        case 'n' -> value.append('\n');
                        case 't' -> value.append('\t');
                        case 'u' -> {
                            value.append(
                                    (char) Integer.parseInt(json.substring(at + 1, at + 5), 16));
                            at += 4;
                        }
                        default -> value.append(next);
                    }
                } else {
                    value.append(c);
                }
                at++;
            }
            strings.add(value.toString());
            i = at + 1;
        }
    }
}
