package ai.hanzo.node.p2p.internal.transport;

import io.netty.buffer.ByteBuf;

/**
 * What a protocol does with one stream. Called on the connection's event loop. The handler reads
 * what it can from the inbound buffer and leaves the rest there; only consumed bytes reopen the
 * peer's send window, so a slow handler slows the peer instead of growing memory.
 */
public interface StreamHandler {
    /** The stream is ready for this protocol (negotiated). */
    default void onActive(YamuxStream stream) {}

    /**
     * @param in everything received and not yet consumed
     */
    void onData(YamuxStream stream, ByteBuf in);

    /** The peer closed its side for writing (it will send nothing more). */
    default void onRemoteClose(YamuxStream stream) {
        stream.closeWrite();
    }

    /** The stream is gone: closed both ways, reset, or its connection ended. */
    default void onClosed(YamuxStream stream) {}
}
