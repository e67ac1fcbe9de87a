package ai.hanzo.node.p2p.internal.transport;

import ai.hanzo.node.p2p.internal.identity.PeerId;
import java.net.InetAddress;

/**
 * Decides which remote addresses and peers the host talks to, before the limits apply. The host
 * asks {@link #allowAddress} when a TCP connection is accepted or dialed and {@link #allowPeer}
 * once the peer has proven its id in the Noise handshake.
 */
public interface ConnectionGater {
    /** What the gater says about an address or a peer. */
    enum Verdict {
        /** Refused outright. */
        DENY,
        /** Subject to the connection limits. */
        LIMITED,
        /** Accepted and exempt from the per-address and total limits. */
        TRUSTED
    }

    /**
     * @return what to do with a connection from or to {@code address}
     */
    Verdict address(InetAddress address);

    /**
     * @return what to do with {@code peer} once it is authenticated
     */
    Verdict peer(PeerId peer);

    /** The gater that lets everyone in, subject to the limits. */
    ConnectionGater OPEN =
            new ConnectionGater() {
                @Override
                public Verdict address(InetAddress address) {
                    return Verdict.LIMITED;
                }

                @Override
                public Verdict peer(PeerId peer) {
                    return Verdict.LIMITED;
                }
            };
}
