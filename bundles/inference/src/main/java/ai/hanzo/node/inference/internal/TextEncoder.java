package ai.hanzo.node.inference.internal;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.hanzo.node.api.InvalidArgumentException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A HF tokenizer.json through DJL's tokenizers, with the reference recipe's settings rather than
 * the file's: no padding (the node pads per batch) and truncation done here, so that a text past
 * the model's maximum is either refused or cut with [SEP] kept, as the caller asked.
 */
final class TextEncoder implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final int maxTokens;

    /**
     * One text as the model sees it.
     *
     * @param ids token ids, special tokens included
     * @param tokens the tokens as strings
     * @param truncated whether it was cut to the maximum
     * @param originalLength its length in tokens before cutting
     */
    record Encoded(long[] ids, List<String> tokens, boolean truncated, int originalLength) {
        int length() {
            return ids.length;
        }
    }

    TextEncoder(Path tokenizerJson, int maxTokens) throws Exception {
        if (maxTokens < 2) {
            throw new InvalidArgumentException("maxTokens must be at least 2, got " + maxTokens);
        }
        this.maxTokens = maxTokens;
        // the tokenizer.json of all-MiniLM-L6-v2 says: truncate at 128, pad to 128; DJL takes
        // those unless told otherwise
        this.tokenizer =
                DjlEnvironment.withBundleLoader(
                        () ->
                                HuggingFaceTokenizer.builder()
                                        .optTokenizerPath(tokenizerJson)
                                        .optAddSpecialTokens(true)
                                        .optTruncation(false)
                                        .optPadding(false)
                                        .build());
    }

    int maxTokens() {
        return maxTokens;
    }

    /**
     * @param text the text
     * @param truncate whether to cut it to the maximum (else a longer text is refused)
     * @param index its position in the request, for the error message
     */
    Encoded encode(String text, boolean truncate, int index) {
        Encoding encoding = tokenizer.encode(text);
        long[] ids = encoding.getIds();
        String[] tokens = encoding.getTokens();
        int length = ids.length;
        if (length <= maxTokens) {
            return new Encoded(ids, List.of(tokens), false, length);
        }
        if (!truncate) {
            throw new InvalidArgumentException(
                    "text "
                            + index
                            + " is "
                            + length
                            + " tokens long, the model takes at most "
                            + maxTokens
                            + " (special tokens included); shorten it or ask for truncation"
                            + " (truncate=TRUNCATE_END)");
        }
        // keep the first maxTokens - 1 and the closing special token ([SEP])
        long[] cut = Arrays.copyOf(ids, maxTokens);
        cut[maxTokens - 1] = ids[length - 1];
        String[] cutTokens = Arrays.copyOf(tokens, maxTokens);
        cutTokens[maxTokens - 1] = tokens[length - 1];
        return new Encoded(cut, List.of(cutTokens), true, length);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
