package ai.hanzo.node.p2p.internal.transport;

import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import java.time.Instant;

/**
 * An upgraded connection (TCP + Noise + Yamux) to an authenticated peer.
 *
 * @param remotePeer the peer, as proven in the Noise handshake
 * @param remoteAddress where the peer's end of the socket is
 * @param outbound whether this side dialed
 * @param session the stream muxer
 * @param openedAt when the upgrade completed
 */
public record Connection(
        PeerId remotePeer,
        Multiaddr remoteAddress,
        boolean outbound,
        YamuxSession session,
        Instant openedAt) {
    /**
     * @return whether the connection is still usable
     */
    public boolean isOpen() {
        return session.isOpen();
    }

    /** Closes gracefully with a yamux go-away. */
    public void close() {
        session.goAwayAndClose();
    }
}
