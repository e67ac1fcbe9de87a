package ai.hanzo.node.p2p.internal.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.function.Consumer;

/**
 * Negotiates one connection-level protocol (security, then muxer) with multistream-select and then
 * removes itself; bytes after the selection pass on to the handler it installed. The dialer is
 * lazy: it installs the next handler at once, so the security handshake follows the proposal in the
 * same flight.
 */
final class NegotiationHandler extends ByteToMessageDecoder {
    private final boolean dialer;
    private final String protocol;
    private final Consumer<ChannelHandlerContext> installNext;
    private MultistreamSelect select;
    private boolean failed;

    NegotiationHandler(
            boolean dialer, String protocol, Consumer<ChannelHandlerContext> installNext) {
        this.dialer = dialer;
        this.protocol = protocol;
        this.installNext = installNext;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        if (dialer) {
            select = MultistreamSelect.dialer(List.of(protocol));
            ctx.writeAndFlush(select.start(ctx.alloc()));
            installNext.accept(ctx);
        } else {
            select = MultistreamSelect.listener(protocol::equals);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (select == null) {
            return;
        }
        MultistreamSelect.State state;
        try {
            state = select.onInput(in, ctx.alloc(), reply -> ctx.writeAndFlush(reply));
        } catch (RuntimeException e) {
            // report once; whatever else arrives on this doomed connection is dropped
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
        if (state == MultistreamSelect.State.SELECTED) {
            select = null;
            if (!dialer) {
                installNext.accept(ctx);
            }
            ctx.pipeline().remove(this);
        }
    }
}
