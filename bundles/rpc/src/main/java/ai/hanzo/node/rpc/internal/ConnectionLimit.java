package ai.hanzo.node.rpc.internal;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the server's open connections: a connection accepted beyond the cap is closed at once,
 * before any byte is read, and one that has not sent the 24-byte HTTP/2 client preface within the
 * deadline is closed then. (gRPC's Netty server has no connection cap, and its handshake timeout
 * does not cover the preface of plaintext connections; together these bound what idle or hostile
 * sockets can hold.)
 */
final class ConnectionLimit {
    private final Logger logger = LoggerFactory.getLogger(ConnectionLimit.class);
    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastWarning = new AtomicLong();

    private final long prefaceTimeoutMillis;

    ConnectionLimit(int max, long prefaceTimeoutMillis) {
        this.max = Math.max(1, max);
        this.prefaceTimeoutMillis = Math.max(100, prefaceTimeoutMillis);
    }

    int open() {
        return open.get();
    }

    long refused() {
        return refused.get();
    }

    /**
     * @return a server channel class instance that applies this limit to what it accepts
     */
    NioServerSocketChannel newServerChannel() {
        return new NioServerSocketChannel() {
            @Override
            protected int doReadMessages(List<Object> accepted) throws Exception {
                int before = accepted.size();
                int read = super.doReadMessages(accepted);
                for (int i = accepted.size() - 1; i >= before; i--) {
                    Channel child = (Channel) accepted.get(i);
                    if (open.incrementAndGet() > max) {
                        open.decrementAndGet();
                        accepted.remove(i);
                        read--;
                        child.unsafe().closeForcibly();
                        tooMany(child);
                    } else {
                        child.closeFuture().addListener(f -> open.decrementAndGet());
                        // first in the pipeline: grpc's own handlers are added after it
                        child.pipeline().addFirst(new PrefaceDeadline(prefaceTimeoutMillis));
                    }
                }
                return read;
            }
        };
    }

    private void tooMany(Channel child) {
        long total = refused.incrementAndGet();
        long now = System.nanoTime();
        long last = lastWarning.get();
        // at most one line a minute, however hard the flood
        if ((last == 0 || now - last > 60_000_000_000L) && lastWarning.compareAndSet(last, now)) {
            logger.warn(
                    "gRPC connection limit ({}) reached: closing new connections at once ({} so"
                            + " far, latest from {}); raise maxConnections if this is real load",
                    max,
                    total,
                    child.remoteAddress());
        }
    }

    /** Closes a connection whose client preface has not fully arrived by the deadline. */
    private static final class PrefaceDeadline extends ChannelInboundHandlerAdapter {
        private static final int PREFACE_BYTES = 24;
        private final long timeoutMillis;
        private ScheduledFuture<?> deadline;
        private int seen;

        PrefaceDeadline(long timeoutMillis) {
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            deadline =
                    ctx.executor()
                            .schedule(
                                    () -> {
                                        if (seen < PREFACE_BYTES) {
                                            // from here, not through grpc's handlers, which
                                            // would first wait for a graceful HTTP/2 goodbye
                                            ctx.close();
                                        }
                                    },
                                    timeoutMillis,
                                    TimeUnit.MILLISECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf bytes) {
                seen += bytes.readableBytes();
            }
            if (seen >= PREFACE_BYTES) {
                deadline.cancel(false);
                ctx.pipeline().remove(this);
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (deadline != null) {
                deadline.cancel(false);
            }
        }
    }
}
