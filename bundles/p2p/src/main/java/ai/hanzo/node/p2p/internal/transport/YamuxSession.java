package ai.hanzo.node.p2p.internal.transport;

import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Yamux ({@code /yamux/1.0.0}) over a secured channel: 12-byte frame headers, per-stream credit
 * windows, ping, go-away, half-close and reset. A peer that breaks the protocol (window overrun,
 * bad version or type, reused stream id) gets a go-away with the protocol-error code and the
 * connection is closed.
 */
public final class YamuxSession extends ByteToMessageDecoder {
    /** The multistream protocol id. */
    public static final String PROTOCOL = "/yamux/1.0.0";

    static final int INITIAL_WINDOW = 256 * 1024;

    /**
     * The window this side grants per stream (announced in the SYN/ACK window update). It also
     * bounds the largest data frame buffered, so per connection at most about this much memory
     * waits for a slow or hostile sender.
     */
    static final int RECEIVE_WINDOW = 1024 * 1024;

    static final int MAX_DATA_FRAME = 256 * 1024;
    static final int TYPE_DATA = 0;
    static final int TYPE_WINDOW_UPDATE = 1;
    static final int TYPE_PING = 2;
    static final int TYPE_GO_AWAY = 3;
    static final int SYN = 1;
    static final int ACK = 2;
    static final int FIN = 4;
    static final int RST = 8;
    static final int GO_AWAY_NORMAL = 0;
    static final int GO_AWAY_PROTOCOL_ERROR = 1;
    static final int GO_AWAY_INTERNAL_ERROR = 2;

    private final PeerProblemLog problems;
    private final Logger logger = LoggerFactory.getLogger(YamuxSession.class);
    private final boolean client;
    private final PeerId remotePeer;
    private final int maxStreams;
    private final Function<YamuxStream, StreamHandler> inboundHandlers;
    private final Map<Integer, YamuxStream> streams = new HashMap<>();
    private final Map<Integer, PendingPing> pings = new HashMap<>();
    private ChannelHandlerContext ctx;
    private int nextStreamId;
    private int nextPingId = 1;
    private boolean goAwaySent;
    private boolean failed;
    private boolean flushScheduled;
    private volatile boolean goAwayReceived;

    private record PendingPing(long startNanos, CompletableFuture<Duration> result) {}

    /**
     * @param client whether this side dialed the connection (odd stream ids)
     * @param maxStreams most concurrent streams; more inbound ones are reset
     * @param inboundHandlers gives the handler of a stream the peer opened
     */
    public YamuxSession(
            boolean client,
            PeerId remotePeer,
            int maxStreams,
            Function<YamuxStream, StreamHandler> inboundHandlers) {
        this(client, remotePeer, maxStreams, inboundHandlers, PeerProblemLog.unaggregated());
    }

    /**
     * @param problems where peers' protocol errors are counted
     */
    public YamuxSession(
            boolean client,
            PeerId remotePeer,
            int maxStreams,
            Function<YamuxStream, StreamHandler> inboundHandlers,
            PeerProblemLog problems) {
        this.problems = problems;
        this.client = client;
        this.remotePeer = remotePeer;
        this.maxStreams = maxStreams;
        this.inboundHandlers = inboundHandlers;
        this.nextStreamId = client ? 1 : 2;
    }

    /**
     * @return the authenticated remote peer
     */
    public PeerId remotePeer() {
        return remotePeer;
    }

    /**
     * @return the underlying channel
     */
    public Channel channel() {
        return ctx.channel();
    }

    /**
     * @return whether new streams can be opened
     */
    public boolean isOpen() {
        return ctx != null && ctx.channel().isActive() && !goAwaySent && !goAwayReceived;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);
    }

    void execute(Runnable r) {
        if (ctx.executor().inEventLoop()) {
            r.run();
        } else {
            ctx.executor().execute(r);
        }
    }

    /**
     * Opens an outbound stream.
     *
     * @return completes with the stream once its SYN was queued
     */
    public CompletableFuture<YamuxStream> openStream(StreamHandler handler) {
        CompletableFuture<YamuxStream> f = new CompletableFuture<>();
        execute(
                () -> {
                    if (!isOpen()) {
                        f.completeExceptionally(new java.nio.channels.ClosedChannelException());
                        return;
                    }
                    if (streams.size() >= maxStreams) {
                        f.completeExceptionally(
                                new IllegalStateException(
                                        "stream limit of "
                                                + maxStreams
                                                + " reached on the connection to "
                                                + remotePeer));
                        return;
                    }
                    int id = nextStreamId;
                    nextStreamId += 2;
                    YamuxStream s = new YamuxStream(id, this, true, handler);
                    s.recvWindow = RECEIVE_WINDOW;
                    streams.put(id, s);
                    s.synSent = true;
                    writeHeader(TYPE_WINDOW_UPDATE, SYN, id, RECEIVE_WINDOW - INITIAL_WINDOW);
                    ctx.flush();
                    f.complete(s);
                    s.handler.onActive(s);
                });
        return f;
    }

    /**
     * @return the measured round trip of a yamux ping
     */
    public CompletableFuture<Duration> ping() {
        CompletableFuture<Duration> f = new CompletableFuture<>();
        execute(
                () -> {
                    int id = nextPingId++;
                    pings.put(id, new PendingPing(System.nanoTime(), f));
                    writeHeader(TYPE_PING, SYN, 0, id);
                    ctx.flush();
                });
        return f;
    }

    /** Sends a normal go-away and closes the connection once it is flushed. */
    public void goAwayAndClose() {
        execute(
                () -> {
                    if (!ctx.channel().isActive()) {
                        return;
                    }
                    goAwaySent = true;
                    writeHeader(TYPE_GO_AWAY, 0, 0, GO_AWAY_NORMAL);
                    ctx.writeAndFlush(ctx.alloc().buffer(0))
                            .addListener(ChannelFutureListener.CLOSE);
                });
    }

    private void writeHeader(int type, int flags, int streamId, long length) {
        ByteBuf h = ctx.alloc().buffer(12);
        h.writeByte(0);
        h.writeByte(type);
        h.writeShort(flags);
        h.writeInt(streamId);
        h.writeInt((int) length);
        ctx.write(h, ctx.voidPromise());
    }

    void write(YamuxStream s, ByteBuf data) {
        if (s.closed || s.localClosed) {
            data.release();
            return;
        }
        s.outQueue.add(data);
        s.queuedBytes += data.readableBytes();
        drain(s);
        scheduleFlush();
    }

    /** Coalesces the flushes of writes queued in one event-loop turn into full Noise frames. */
    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor()
                    .execute(
                            () -> {
                                flushScheduled = false;
                                ctx.flush();
                            });
        }
    }

    void closeWrite(YamuxStream s) {
        if (s.closed || s.localClosed) {
            return;
        }
        s.localClosed = true;
        s.finPending = true;
        drain(s);
        ctx.flush();
    }

    private int flagsFor(YamuxStream s) {
        int flags = 0;
        if (s.ackPending) {
            flags |= ACK;
            s.ackPending = false;
        }
        return flags;
    }

    private void drain(YamuxStream s) {
        while (!s.outQueue.isEmpty() && s.sendWindow > 0) {
            ByteBuf head = s.outQueue.peek();
            int n = (int) Math.min(Math.min(head.readableBytes(), s.sendWindow), MAX_DATA_FRAME);
            writeHeader(TYPE_DATA, flagsFor(s), s.id, n);
            ctx.write(head.readRetainedSlice(n), ctx.voidPromise());
            s.sendWindow -= n;
            s.queuedBytes -= n;
            if (!head.isReadable()) {
                s.outQueue.poll().release();
            }
        }
        if (s.finPending && s.outQueue.isEmpty()) {
            s.finPending = false;
            writeHeader(TYPE_WINDOW_UPDATE, flagsFor(s) | FIN, s.id, 0);
            if (s.remoteClosed) {
                remove(s);
            }
        }
    }

    void reset(YamuxStream s, boolean sendRst) {
        if (s.closed) {
            return;
        }
        if (sendRst && ctx.channel().isActive()) {
            writeHeader(TYPE_WINDOW_UPDATE, RST, s.id, 0);
            ctx.flush();
        }
        remove(s);
    }

    private void remove(YamuxStream s) {
        if (s.closed) {
            return;
        }
        s.closed = true;
        streams.remove(s.id);
        s.outQueue.forEach(ByteBuf::release);
        s.outQueue.clear();
        s.queuedBytes = 0;
        s.inbound.release();
        s.inbound = io.netty.buffer.Unpooled.EMPTY_BUFFER;
        try {
            s.handler.onClosed(s);
        } catch (RuntimeException e) {
            logger.debug("Stream handler failed on close of {}", s, e);
        }
        s.closeFuture().complete(null);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.readableBytes() >= 12) {
            int start = in.readerIndex();
            int version = in.getUnsignedByte(start);
            int type = in.getUnsignedByte(start + 1);
            int flags = in.getUnsignedShort(start + 2);
            int streamId = in.getInt(start + 4);
            long length = in.getUnsignedInt(start + 8);
            if (version != 0) {
                protocolError("yamux version " + version);
            } else if (type > TYPE_GO_AWAY) {
                protocolError("yamux frame type " + type);
            }
            if (failed) {
                in.skipBytes(in.readableBytes());
                return;
            }
            if (type == TYPE_DATA) {
                YamuxStream s = streams.get(streamId);
                long allowed =
                        s != null
                                ? s.recvWindow
                                : ((flags & SYN) != 0 ? INITIAL_WINDOW : RECEIVE_WINDOW);
                if (length > allowed) {
                    protocolError(
                            "data frame of "
                                    + length
                                    + " bytes exceeds the receive window of "
                                    + allowed
                                    + " on stream "
                                    + streamId);
                    in.skipBytes(in.readableBytes());
                    return;
                }
                if (in.readableBytes() < 12 + length) {
                    return;
                }
            }
            in.skipBytes(12);
            switch (type) {
                case TYPE_DATA, TYPE_WINDOW_UPDATE ->
                        onStreamFrame(type, flags, streamId, length, in);
                case TYPE_PING -> onPing(flags, length);
                default -> onGoAway(length);
            }
            if (failed || !ctx.channel().isActive()) {
                in.skipBytes(in.readableBytes());
                return;
            }
        }
        ctx.flush();
    }

    private void onStreamFrame(int type, int flags, int streamId, long length, ByteBuf in) {
        YamuxStream s = streams.get(streamId);
        if ((flags & SYN) != 0) {
            if (s != null || streamId == 0 || (streamId % 2 == 1) == client) {
                protocolError("peer opened stream " + streamId + " which is invalid or in use");
                return;
            }
            if (goAwaySent) {
                skipData(type, length, in);
                writeHeader(TYPE_WINDOW_UPDATE, RST, streamId, 0);
                return;
            }
            if (streams.size() >= maxStreams) {
                logger.debug(
                        "Resetting stream {} from {}: limit of {} streams reached",
                        streamId,
                        remotePeer,
                        maxStreams);
                skipData(type, length, in);
                writeHeader(TYPE_WINDOW_UPDATE, RST, streamId, 0);
                return;
            }
            s = new YamuxStream(streamId, this, false, null);
            s.recvWindow = INITIAL_WINDOW;
            streams.put(streamId, s);
            s.handler = inboundHandlers.apply(s);
            // ACK and grant the larger window at once
            writeHeader(TYPE_WINDOW_UPDATE, ACK, streamId, RECEIVE_WINDOW - INITIAL_WINDOW);
            s.recvWindow = RECEIVE_WINDOW;
            s.handler.onActive(s);
            if (type == TYPE_DATA) {
                // the data was sent against the initial window
                s.recvWindow -= 0;
            }
        }
        if (s == null) {
            // late frames for a stream already gone are normal after a reset
            skipData(type, length, in);
            return;
        }
        if (type == TYPE_WINDOW_UPDATE) {
            s.sendWindow += length;
            if (s.sendWindow > 0xffffffffL) {
                protocolError("window update overflows the send window of stream " + streamId);
                return;
            }
        }
        if (type == TYPE_DATA && length > 0) {
            if (length > s.recvWindow) {
                protocolError(
                        "data frame of "
                                + length
                                + " bytes exceeds the receive window on stream "
                                + streamId);
                return;
            }
            s.recvWindow -= length;
            if (s.remoteClosed) {
                in.skipBytes((int) length);
                reset(s, true);
                return;
            }
            deliver(s, in.readSlice((int) length));
        }
        if ((flags & RST) != 0) {
            reset(s, false);
            return;
        }
        if ((flags & FIN) != 0 && !s.remoteClosed) {
            s.remoteClosed = true;
            try {
                s.handler.onRemoteClose(s);
            } catch (RuntimeException e) {
                handlerFailed(s, e);
                return;
            }
            if (s.localClosed && !s.finPending) {
                remove(s);
            }
        }
        if (type == TYPE_WINDOW_UPDATE && !s.closed) {
            drain(s);
        }
    }

    private void deliver(YamuxStream s, ByteBuf data) {
        if (s.inbound == io.netty.buffer.Unpooled.EMPTY_BUFFER) {
            s.inbound = ctx.alloc().heapBuffer(data.readableBytes());
        }
        s.inbound.writeBytes(data);
        int before = s.inbound.readableBytes();
        try {
            s.handler.onData(s, s.inbound);
        } catch (RuntimeException e) {
            handlerFailed(s, e);
            return;
        }
        if (s.closed) {
            return;
        }
        s.consumedSinceUpdate += before - s.inbound.readableBytes();
        s.inbound.discardSomeReadBytes();
        if (s.consumedSinceUpdate >= RECEIVE_WINDOW / 2) {
            writeHeader(TYPE_WINDOW_UPDATE, flagsFor(s), s.id, s.consumedSinceUpdate);
            s.recvWindow += s.consumedSinceUpdate;
            s.consumedSinceUpdate = 0;
        }
    }

    /** Called by handlers that consumed buffered bytes outside {@link StreamHandler#onData}. */
    void handlerFailed(YamuxStream s, RuntimeException e) {
        if (e instanceof MalformedInputException
                || e instanceof MultistreamSelect.NegotiationException) {
            problems.record(
                    "stream reset: malformed input",
                    remotePeer.toString(),
                    s + ": " + e.getMessage());
        } else {
            logger.warn("Resetting {}: its handler failed", s, e);
        }
        reset(s, true);
    }

    private void skipData(int type, long length, ByteBuf in) {
        if (type == TYPE_DATA) {
            in.skipBytes((int) length);
        }
    }

    private void onPing(int flags, long opaque) {
        if ((flags & SYN) != 0) {
            writeHeader(TYPE_PING, ACK, 0, opaque);
        } else if ((flags & ACK) != 0) {
            PendingPing p = pings.remove((int) opaque);
            if (p != null) {
                p.result().complete(Duration.ofNanos(System.nanoTime() - p.startNanos()));
            }
        }
    }

    private void onGoAway(long code) {
        goAwayReceived = true;
        if (code == GO_AWAY_NORMAL) {
            logger.debug("{} is going away", remotePeer);
        } else {
            problems.record("go-away with an error code", remotePeer.toString(), "code " + code);
        }
    }

    private void protocolError(String reason) {
        if (failed) {
            return;
        }
        failed = true;
        problems.record("closed: yamux protocol error", remotePeer.toString(), reason);
        goAwaySent = true;
        writeHeader(TYPE_GO_AWAY, 0, 0, GO_AWAY_PROTOCOL_ERROR);
        ctx.writeAndFlush(ctx.alloc().buffer(0)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        for (YamuxStream s : List.copyOf(streams.values())) {
            remove(s);
        }
        for (PendingPing p : pings.values()) {
            p.result().completeExceptionally(new java.nio.channels.ClosedChannelException());
        }
        pings.clear();
        super.channelInactive(ctx);
    }

    /**
     * @return how many streams are open
     */
    public int streamCount() {
        return streams.size();
    }
}
