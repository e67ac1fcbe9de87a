package ai.hanzo.node.api.inference;

import java.util.Arrays;
import java.util.Objects;

/**
 * One text's embedding.
 *
 * @param values the L2-normalised vector (a copy is kept and handed out)
 * @param tokens how many tokens the model saw, special tokens included
 * @param truncated whether the text was cut to the model's maximum length
 */
public record Embedding(float[] values, int tokens, boolean truncated) {
    /** Copies the vector. */
    public Embedding {
        values = values.clone();
    }

    /**
     * @return a copy of the vector
     */
    @Override
    public float[] values() {
        return values.clone();
    }

    /**
     * @param other another embedding of the same length
     * @return their dot product: the cosine similarity, since both are normalised
     */
    public double cosine(Embedding other) {
        if (other.values.length != values.length) {
            throw new IllegalArgumentException(
                    "vectors of " + values.length + " and " + other.values.length + " dimensions");
        }
        double dot = 0;
        for (int i = 0; i < values.length; i++) {
            dot += (double) values[i] * other.values[i];
        }
        return dot;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Embedding that
                && tokens == that.tokens
                && truncated == that.truncated
                && Arrays.equals(values, that.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(values), tokens, truncated);
    }

    @Override
    public String toString() {
        return "Embedding[" + values.length + " dims, " + tokens + " tokens]";
    }
}
