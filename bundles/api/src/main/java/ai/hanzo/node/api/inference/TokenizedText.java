package ai.hanzo.node.api.inference;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A text as a text model sees it.
 *
 * @param ids the token ids, special tokens included (a copy is kept and handed out)
 * @param tokens the tokens as strings, one per id
 * @param truncated whether the text was cut to the model's maximum length
 */
public record TokenizedText(long[] ids, List<String> tokens, boolean truncated) {
    /** Copies the values. */
    public TokenizedText {
        ids = ids.clone();
        tokens = List.copyOf(tokens);
    }

    /**
     * @return a copy of the ids
     */
    @Override
    public long[] ids() {
        return ids.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TokenizedText that
                && truncated == that.truncated
                && Arrays.equals(ids, that.ids)
                && tokens.equals(that.tokens);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(ids), tokens, truncated);
    }

    @Override
    public String toString() {
        return "TokenizedText[" + ids.length + " tokens" + (truncated ? ", truncated]" : "]");
    }
}
