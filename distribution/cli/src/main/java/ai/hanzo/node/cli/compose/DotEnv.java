package ai.hanzo.node.cli.compose;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads {@code .env} and {@code env_file} files as docker compose does: {@code KEY=VALUE} lines,
 * {@code #} comments, an optional {@code export} prefix, values in single quotes taken literally,
 * values in double quotes with {@code \n}, {@code \t}, {@code \"} and {@code \\} escapes, and
 * unquoted values ending at a {@code " #"} comment.
 */
final class DotEnv {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");

    private DotEnv() {}

    /**
     * @param file the file to read
     * @param problems where a malformed line is reported, with its file and line number
     * @return the variables in file order
     * @throws IOException if the file cannot be read
     */
    static Map<String, String> read(Path file, List<String> problems) throws IOException {
        return parse(
                file.getFileName().toString(),
                Files.readAllLines(file, StandardCharsets.UTF_8),
                problems);
    }

    static Map<String, String> parse(String source, List<String> lines, List<String> problems) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("export ")) {
                line = line.substring("export ".length()).strip();
            }
            int equals = line.indexOf('=');
            String name = (equals < 0 ? line : line.substring(0, equals)).strip();
            if (!NAME.matcher(name).matches()) {
                problems.add(
                        source
                                + " line "
                                + (i + 1)
                                + ": '"
                                + name
                                + "' is not a variable name (expected KEY=VALUE)");
                continue;
            }
            if (equals < 0) {
                // a bare name sets nothing in compose's .env; in env_file it would read the shell:
                // skip it in both, as compose does for .env
                continue;
            }
            String raw = line.substring(equals + 1).strip();
            String value;
            if (raw.startsWith("'")) {
                int end = raw.indexOf('\'', 1);
                if (end < 0) {
                    problems.add(source + " line " + (i + 1) + ": unterminated ' quote");
                    continue;
                }
                value = raw.substring(1, end);
            } else if (raw.startsWith("\"")) {
                StringBuilder text = new StringBuilder();
                int j = 1;
                boolean closed = false;
                while (j < raw.length()) {
                    char c = raw.charAt(j);
                    if (c == '\\' && j + 1 < raw.length()) {
                        char next = raw.charAt(j + 1);
                        switch (next) {
                            case 'n' -> text.append('\n');
                            case 't' -> text.append('\t');
                            case 'r' -> text.append('\r');
                            case '"', '\\' -> text.append(next);
                            default -> text.append('\\').append(next);
                        }
                        j += 2;
                        continue;
                    }
                    if (c == '"') {
                        closed = true;
                        break;
                    }
                    text.append(c);
                    j++;
                }
                if (!closed) {
                    problems.add(source + " line " + (i + 1) + ": unterminated \" quote");
                    continue;
                }
                value = text.toString();
            } else {
                int comment = raw.indexOf(" #");
                value = (comment < 0 ? raw : raw.substring(0, comment)).strip();
            }
            values.put(name, value);
        }
        return values;
    }
}
