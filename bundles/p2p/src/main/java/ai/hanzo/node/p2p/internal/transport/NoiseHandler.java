package ai.hanzo.node.p2p.internal.transport;

import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.AEADBadTagException;

/**
 * Noise on a channel: runs the XX handshake in 2-byte length-prefixed frames, then encrypts what is
 * written (coalesced until flush, split into frames of at most 65535 bytes) and decrypts what is
 * read. Fires {@link SecuredEvent} once the remote identity is verified.
 */
final class NoiseHandler extends ChannelDuplexHandler {
    static final int MAX_FRAME = 65535;
    static final int MAX_PLAINTEXT = MAX_FRAME - NoiseCipherState.TAG_LENGTH;

    /** Fired down the pipeline when the handshake completed. */
    record SecuredEvent(PeerId remotePeer) {}

    private final boolean initiator;
    private final NoiseHandshake handshake;
    private ByteBuf cumulation;
    private int step;
    private NoiseCipherState sender;
    private NoiseCipherState receiver;
    private CompositeByteBuf pending;
    private final List<ChannelPromise> pendingPromises = new ArrayList<>();

    NoiseHandler(boolean initiator, IdentityKey identity) {
        this.initiator = initiator;
        this.handshake = new NoiseHandshake(initiator, identity);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        cumulation = ctx.alloc().heapBuffer();
        pending = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
        if (initiator) {
            writeHandshakeFrame(ctx, handshake.writeMessageA());
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        release();
        super.channelInactive(ctx);
    }

    private void release() {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        if (pending != null) {
            pending.release();
            pending = null;
        }
        for (ChannelPromise p : pendingPromises) {
            p.tryFailure(new java.nio.channels.ClosedChannelException());
        }
        pendingPromises.clear();
    }

    private void writeHandshakeFrame(ChannelHandlerContext ctx, byte[] msg) {
        ByteBuf out = ctx.alloc().buffer(2 + msg.length);
        out.writeShort(msg.length);
        out.writeBytes(msg);
        ctx.writeAndFlush(out);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (cumulation == null) {
            in.release();
            return;
        }
        if (receiver != null
                && !cumulation.isReadable()
                && cumulation.isDirect() != receiver.impl().prefersDirect()) {
            // the handshake used a heap buffer; transport frames go where the cipher reads best
            cumulation.release();
            cumulation = alloc(ctx, 256);
        }
        // whole frames are decrypted straight from the read buffer; only a partial frame is copied
        ByteBuf src;
        if (cumulation.isReadable()) {
            try {
                cumulation.writeBytes(in);
            } finally {
                in.release();
            }
            src = cumulation;
        } else {
            src = in;
        }
        try {
            readFrames(ctx, src);
        } finally {
            if (src == in) {
                if (cumulation != null && in.isReadable()) {
                    cumulation.writeBytes(in);
                }
                in.release();
            } else if (cumulation != null) {
                cumulation.discardSomeReadBytes();
            }
        }
    }

    private void readFrames(ChannelHandlerContext ctx, ByteBuf src) {
        while (cumulation != null && src.readableBytes() >= 2) {
            int len = src.getUnsignedShort(src.readerIndex());
            if (src.readableBytes() < 2 + len) {
                break;
            }
            src.skipBytes(2);
            if (sender == null) {
                byte[] frame = new byte[len];
                src.readBytes(frame);
                handshakeStep(ctx, frame);
            } else {
                if (len < NoiseCipherState.TAG_LENGTH) {
                    throw new NoiseException("Noise transport frame shorter than its tag");
                }
                ByteBuf plain = alloc(ctx, len - NoiseCipherState.TAG_LENGTH);
                try {
                    receiver.decrypt(src, src.readerIndex(), len, plain);
                } catch (AEADBadTagException e) {
                    plain.release();
                    throw new NoiseException("a Noise transport frame does not authenticate");
                }
                src.skipBytes(len);
                ctx.fireChannelRead(plain);
            }
        }
    }

    /** Pooled memory of the kind the cipher works on without copying. */
    private ByteBuf alloc(ChannelHandlerContext ctx, int capacity) {
        return receiver != null && !receiver.impl().prefersDirect()
                ? ctx.alloc().heapBuffer(capacity)
                : ctx.alloc().directBuffer(capacity);
    }

    private void handshakeStep(ChannelHandlerContext ctx, byte[] frame) {
        if (initiator) {
            if (step != 0) {
                throw new NoiseException("unexpected Noise handshake message");
            }
            handshake.readMessageB(frame);
            writeHandshakeFrame(ctx, handshake.writeMessageC());
            established(ctx);
        } else if (step == 0) {
            handshake.readMessageA(frame);
            writeHandshakeFrame(ctx, handshake.writeMessageB());
            step = 1;
        } else {
            handshake.readMessageC(frame);
            established(ctx);
        }
    }

    private void established(ChannelHandlerContext ctx) {
        NoiseCipherState[] cs = handshake.split();
        sender = cs[0];
        receiver = cs[1];
        step = 2;
        ctx.fireUserEventTriggered(new SecuredEvent(handshake.remotePeer()));
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.write(msg, promise);
            return;
        }
        if (sender == null || pending == null) {
            buf.release();
            promise.tryFailure(new NoiseException("write before the Noise session is established"));
            return;
        }
        pending.addComponent(true, buf);
        if (!promise.isVoid()) {
            pendingPromises.add(promise);
        }
        if (pending.readableBytes() >= 4 * MAX_PLAINTEXT) {
            // only whole frames: the rest waits for more writes or the flush
            encryptPending(ctx, false);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (sender != null && pending != null) {
            encryptPending(ctx, true);
        }
        ctx.flush();
    }

    private void encryptPending(ChannelHandlerContext ctx, boolean all) {
        ChannelPromise last = null;
        while (all ? pending.isReadable() : pending.readableBytes() >= MAX_PLAINTEXT) {
            int n = Math.min(MAX_PLAINTEXT, pending.readableBytes());
            // one copy into pooled memory, then encrypted in place and written as is
            ByteBuf frame = alloc(ctx, 2 + n + NoiseCipherState.TAG_LENGTH);
            frame.writeShort(n + NoiseCipherState.TAG_LENGTH);
            pending.readBytes(frame, n);
            try {
                sender.encryptInPlace(frame, 2, n);
            } catch (RuntimeException e) {
                frame.release();
                throw e;
            }
            frame.writerIndex(2 + n + NoiseCipherState.TAG_LENGTH);
            last = ctx.newPromise();
            ctx.write(frame, last);
        }
        pending.discardReadComponents();
        if (!pending.isReadable() && !pendingPromises.isEmpty()) {
            List<ChannelPromise> done = new ArrayList<>(pendingPromises);
            pendingPromises.clear();
            if (last == null) {
                done.forEach(ChannelPromise::trySuccess);
            } else {
                last.addListener(
                        f -> {
                            for (ChannelPromise p : done) {
                                if (f.isSuccess()) {
                                    p.trySuccess();
                                } else {
                                    p.tryFailure(f.cause());
                                }
                            }
                        });
            }
        }
    }
}
