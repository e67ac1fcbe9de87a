package ai.hanzo.node.api.inference;

import java.time.Duration;
import java.util.Objects;

/**
 * Where a request's time went, as TEI reports it per response.
 *
 * @param tokenize turning text into tokens
 * @param queue waiting for a batch to run in
 * @param inference the model run(s) and pooling
 * @param batchSize the largest batch the request's items ran in
 */
public record Timings(Duration tokenize, Duration queue, Duration inference, int batchSize) {
    /** Checks the values. */
    public Timings {
        Objects.requireNonNull(tokenize, "tokenize");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(inference, "inference");
    }

    /**
     * @return the sum of the three parts
     */
    public Duration total() {
        return tokenize.plus(queue).plus(inference);
    }
}
