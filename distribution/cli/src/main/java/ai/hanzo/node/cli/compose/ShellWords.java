package ai.hanzo.node.cli.compose;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a compose {@code command:} or {@code entrypoint:} string into words as a POSIX shell would
 * (quotes and backslashes; no expansion), which is what docker compose does with them.
 */
final class ShellWords {
    private ShellWords() {}

    /**
     * @param text the string
     * @return its words
     * @throws IllegalArgumentException if a quote is not closed
     */
    static List<String> split(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\'') {
                int end = text.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated ' quote in '" + text + "'");
                }
                word.append(text, i + 1, end);
                inWord = true;
                i = end + 1;
            } else if (c == '"') {
                int j = i + 1;
                boolean closed = false;
                while (j < text.length()) {
                    char d = text.charAt(j);
                    if (d == '\\'
                            && j + 1 < text.length()
                            && "\"\\$`".indexOf(text.charAt(j + 1)) >= 0) {
                        word.append(text.charAt(j + 1));
                        j += 2;
                    } else if (d == '"') {
                        closed = true;
                        break;
                    } else {
                        word.append(d);
                        j++;
                    }
                }
                if (!closed) {
                    throw new IllegalArgumentException("unterminated \" quote in '" + text + "'");
                }
                inWord = true;
                i = j + 1;
            } else if (c == '\\' && i + 1 < text.length()) {
                word.append(text.charAt(i + 1));
                inWord = true;
                i += 2;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                i++;
            } else {
                word.append(c);
                inWord = true;
                i++;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }
}
