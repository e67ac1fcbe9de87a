package ai.hanzo.node.api.inference;

/** What to do with a text longer than the model's maximum length. */
public enum Truncation {
    /** The node's configured default ({@code truncateByDefault}, true unless changed). */
    DEFAULT,
    /** Refuse the request (INVALID_ARGUMENT naming the text and its length). */
    NONE,
    /** Keep the first tokens and report the text as truncated. */
    END
}
