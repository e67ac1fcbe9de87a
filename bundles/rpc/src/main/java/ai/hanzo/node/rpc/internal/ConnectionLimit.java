package ai.hanzo.node.rpc.internal;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the server's open connections: a connection accepted beyond the cap is closed at once,
 * before any byte is read. (gRPC's Netty server has no such setting; its handshake timeout closes
 * connections that send no HTTP/2 preface, which together bound what idle sockets can hold.)
 */
final class ConnectionLimit {
    private final Logger logger = LoggerFactory.getLogger(ConnectionLimit.class);
    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong lastWarning = new AtomicLong();

    ConnectionLimit(int max) {
        this.max = Math.max(1, max);
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
}
