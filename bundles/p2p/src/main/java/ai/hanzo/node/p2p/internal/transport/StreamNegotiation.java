package ai.hanzo.node.p2p.internal.transport;

import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * multistream-select on a yamux stream, in front of the protocol handler it then hands the stream
 * (and any bytes that followed the selection) to.
 */
final class StreamNegotiation implements StreamHandler {
    private final MultistreamSelect select;
    private final boolean dialer;
    private final Function<String, StreamHandler> handlers;
    private final CompletableFuture<YamuxStream> result;
    private StreamHandler target;
    private final boolean lazy;

    private StreamNegotiation(
            MultistreamSelect select,
            boolean dialer,
            Function<String, StreamHandler> handlers,
            StreamHandler target,
            boolean lazy,
            CompletableFuture<YamuxStream> result) {
        this.select = select;
        this.dialer = dialer;
        this.handlers = handlers;
        this.result = result;
        this.lazy = lazy;
        this.target = lazy ? target : null;
        this.pendingTarget = lazy ? null : target;
    }

    /**
     * The dialer side. With one protocol it is lazy: the target is active at once and may write
     * before the peer confirms.
     */
    static StreamNegotiation dialer(
            List<String> protocols, StreamHandler target, CompletableFuture<YamuxStream> result) {
        return new StreamNegotiation(
                MultistreamSelect.dialer(protocols),
                true,
                null,
                target,
                protocols.size() == 1,
                result);
    }

    private final StreamHandler pendingTarget;

    /** The listener side: {@code handlers} gives a new handler for a supported protocol. */
    static StreamNegotiation listener(
            java.util.function.Predicate<String> supported,
            Function<String, StreamHandler> handlers) {
        return new StreamNegotiation(
                MultistreamSelect.listener(supported), false, handlers, null, false, null);
    }

    @Override
    public void onActive(YamuxStream stream) {
        if (dialer) {
            stream.write(select.start(stream.session().channel().alloc()));
            if (lazy) {
                stream.protocol(select.proposal());
                result.complete(stream);
                target.onActive(stream);
            }
        }
    }

    @Override
    public void onData(YamuxStream stream, ByteBuf in) {
        MultistreamSelect.State state =
                select.onInput(in, stream.session().channel().alloc(), stream::write);
        if (state != MultistreamSelect.State.SELECTED) {
            return;
        }
        stream.protocol(select.selected());
        if (!lazy) {
            target = dialer ? pendingTarget : handlers.apply(select.selected());
        }
        stream.handler(target);
        if (!lazy) {
            if (result != null) {
                result.complete(stream);
            }
            target.onActive(stream);
        }
        if (in.isReadable()) {
            target.onData(stream, in);
        }
    }

    @Override
    public void onRemoteClose(YamuxStream stream) {
        if (target != null && lazy) {
            target.onRemoteClose(stream);
        } else {
            stream.reset();
        }
    }

    @Override
    public void onClosed(YamuxStream stream) {
        if (result != null && !result.isDone()) {
            result.completeExceptionally(
                    new java.io.IOException("stream closed during protocol negotiation"));
        }
        if (target != null) {
            target.onClosed(stream);
        } else if (pendingTarget != null) {
            pendingTarget.onClosed(stream);
        }
    }
}
