package ai.hanzo.node.p2p.internal.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * One yamux stream. All methods may be called from any thread; work runs on the connection's event
 * loop.
 */
public final class YamuxStream {
    final int id;
    final YamuxSession session;
    final boolean outbound;
    StreamHandler handler;
    ByteBuf inbound = Unpooled.EMPTY_BUFFER;
    long sendWindow = YamuxSession.INITIAL_WINDOW;
    long recvWindow = YamuxSession.INITIAL_WINDOW;
    long consumedSinceUpdate;
    final ArrayDeque<ByteBuf> outQueue = new ArrayDeque<>();
    long queuedBytes;
    boolean localClosed;
    boolean finPending;
    boolean remoteClosed;
    boolean closed;
    boolean synSent;
    boolean ackPending;
    private volatile String protocol;
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();

    YamuxStream(int id, YamuxSession session, boolean outbound, StreamHandler handler) {
        this.id = id;
        this.session = session;
        this.outbound = outbound;
        this.handler = handler;
    }

    /**
     * @return the stream id
     */
    public int id() {
        return id;
    }

    /**
     * @return the connection this stream belongs to
     */
    public YamuxSession session() {
        return session;
    }

    /**
     * @return the negotiated protocol, or {@code null} while negotiating
     */
    public String protocol() {
        return protocol;
    }

    void protocol(String p) {
        this.protocol = p;
    }

    /** Replaces the handler (after negotiation). */
    public void handler(StreamHandler h) {
        this.handler = h;
    }

    /** Queues {@code data} (ownership passes to the stream); sent as the peer's window allows. */
    public void write(ByteBuf data) {
        session.execute(() -> session.write(this, data));
    }

    /**
     * @return how many bytes wait for send window; writers pace themselves on it
     */
    public long queuedBytes() {
        return queuedBytes;
    }

    /** Half-closes: sends FIN after queued data. */
    public void closeWrite() {
        session.execute(() -> session.closeWrite(this));
    }

    /** Aborts the stream both ways (RST). */
    public void reset() {
        session.execute(() -> session.reset(this, true));
    }

    /**
     * @return completes when the stream is gone
     */
    public CompletableFuture<Void> closeFuture() {
        return closeFuture;
    }

    @Override
    public String toString() {
        return "stream "
                + id
                + (protocol == null ? "" : " " + protocol)
                + " to "
                + session.remotePeer();
    }
}
