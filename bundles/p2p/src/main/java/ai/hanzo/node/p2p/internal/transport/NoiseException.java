package ai.hanzo.node.p2p.internal.transport;

/** The Noise handshake or a transport message failed; the connection is closed. */
public class NoiseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed
     */
    public NoiseException(String message) {
        super(message);
    }
}
