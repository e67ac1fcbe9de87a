package ai.hanzo.node.p2p.internal.codec;

/** Bytes from a peer that break the wire format; the offending stream or connection is closed. */
public class MalformedInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was wrong with the input
     */
    public MalformedInputException(String message) {
        super(message);
    }
}
