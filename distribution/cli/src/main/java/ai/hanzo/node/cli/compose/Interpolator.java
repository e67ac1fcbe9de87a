package ai.hanzo.node.cli.compose;

import java.util.Map;

/**
 * Substitutes variables in compose values as docker compose does: {@code $VAR}, {@code ${VAR}},
 * {@code ${VAR:-default}} (unset or empty), {@code ${VAR-default}} (unset), {@code ${VAR:?error}}
 * and {@code ${VAR?error}} (required), {@code ${VAR:+other}} and {@code ${VAR+other}}, and {@code
 * $$} for a literal {@code $}. Defaults may hold variables themselves.
 */
final class Interpolator {
    private final Map<String, String> variables;

    /**
     * @param variables the values, the shell's environment over the {@code .env} file
     */
    Interpolator(Map<String, String> variables) {
        this.variables = variables;
    }

    /**
     * @param text a value from the file
     * @param where the value's path in the file, for messages
     * @return the value with every variable substituted
     * @throws IllegalArgumentException with the message for the operator if a required variable is
     *     missing or the syntax is wrong
     */
    String interpolate(String text, String where) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '$') {
                out.append(c);
                i++;
                continue;
            }
            if (i + 1 >= text.length()) {
                out.append('$');
                i++;
                continue;
            }
            char next = text.charAt(i + 1);
            if (next == '$') {
                out.append('$');
                i += 2;
            } else if (next == '{') {
                int end = closingBrace(text, i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException(
                            where
                                    + ": invalid interpolation format in '"
                                    + text
                                    + "': no closing }");
                }
                out.append(expand(text.substring(i + 2, end), text, where));
                i = end + 1;
            } else if (Character.isLetter(next) || next == '_') {
                int j = i + 1;
                while (j < text.length()
                        && (Character.isLetterOrDigit(text.charAt(j)) || text.charAt(j) == '_')) {
                    j++;
                }
                String value = variables.get(text.substring(i + 1, j));
                out.append(value == null ? "" : value);
                i = j;
            } else {
                // compose keeps a lone $ before anything else as it is
                out.append('$');
                i++;
            }
        }
        return out.toString();
    }

    private static int closingBrace(String text, int from) {
        int depth = 1;
        for (int j = from; j < text.length(); j++) {
            char c = text.charAt(j);
            if (c == '{' && j > 0 && text.charAt(j - 1) == '$') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return j;
            }
        }
        return -1;
    }

    private String expand(String body, String text, String where) {
        int j = 0;
        while (j < body.length()
                && (Character.isLetterOrDigit(body.charAt(j)) || body.charAt(j) == '_')) {
            j++;
        }
        String name = body.substring(0, j);
        if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
            throw new IllegalArgumentException(
                    where + ": invalid interpolation format in '" + text + "': bad variable name");
        }
        String value = variables.get(name);
        if (j == body.length()) {
            return value == null ? "" : value;
        }
        String operator = body.substring(j);
        boolean colon = operator.startsWith(":");
        String rest = colon ? operator.substring(1) : operator;
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(
                    where + ": invalid interpolation format in '" + text + "'");
        }
        char kind = rest.charAt(0);
        String argument = rest.substring(1);
        boolean missing = value == null || (colon && value.isEmpty());
        return switch (kind) {
            case '-' -> missing ? interpolate(argument, where) : value;
            case '+' -> missing ? "" : interpolate(argument, where);
            case '?' -> {
                if (missing) {
                    String reason = interpolate(argument, where);
                    throw new IllegalArgumentException(
                            where
                                    + ": required variable "
                                    + name
                                    + " is missing a value"
                                    + (reason.isEmpty() ? "" : ": " + reason));
                }
                yield value;
            }
            default ->
                    throw new IllegalArgumentException(
                            where
                                    + ": invalid interpolation format in '"
                                    + text
                                    + "': unknown operator '"
                                    + operator
                                    + "'");
        };
    }
}
