package ai.hanzo.node.p2p.internal.protocol;

import ai.hanzo.node.p2p.internal.transport.Connection;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import ai.hanzo.node.p2p.internal.transport.StreamHandler;
import ai.hanzo.node.p2p.internal.transport.YamuxStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** {@code /ipfs/ping/1.0.0}: the listener echoes 32-byte payloads; the dialer times one. */
public final class PingProtocol {
    /** The protocol id. */
    public static final String ID = "/ipfs/ping/1.0.0";

    private static final int SIZE = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Libp2pHost host;

    /** Registers the echo side on {@code host}. */
    public PingProtocol(Libp2pHost host) {
        this.host = host;
        host.handle(ID, Echo::new);
    }

    /**
     * @return the round trip of one ping over a new stream
     */
    public CompletableFuture<Duration> ping(Connection c) {
        CompletableFuture<Duration> rtt = new CompletableFuture<>();
        byte[] payload = new byte[SIZE];
        RANDOM.nextBytes(payload);
        host.newStream(
                        c,
                        List.of(ID),
                        new StreamHandler() {
                            private long sent;

                            @Override
                            public void onActive(YamuxStream stream) {
                                sent = System.nanoTime();
                                stream.write(Unpooled.wrappedBuffer(payload));
                            }

                            @Override
                            public void onData(YamuxStream stream, ByteBuf in) {
                                if (in.readableBytes() < SIZE) {
                                    return;
                                }
                                byte[] echo = new byte[SIZE];
                                in.readBytes(echo);
                                if (Arrays.equals(echo, payload)) {
                                    rtt.complete(Duration.ofNanos(System.nanoTime() - sent));
                                } else {
                                    rtt.completeExceptionally(
                                            new IOException(
                                                    "ping echo does not match what was sent"));
                                }
                                stream.closeWrite();
                            }

                            @Override
                            public void onClosed(YamuxStream stream) {
                                rtt.completeExceptionally(
                                        new IOException(
                                                "ping stream closed before the echo arrived"));
                            }
                        })
                .exceptionally(
                        e -> {
                            rtt.completeExceptionally(e);
                            return null;
                        });
        return rtt;
    }

    /** Echoes whole 32-byte payloads; the stream window bounds what can pile up. */
    private static final class Echo implements StreamHandler {
        @Override
        public void onData(YamuxStream stream, ByteBuf in) {
            int n = in.readableBytes() / SIZE * SIZE;
            if (n > 0) {
                stream.write(in.readBytes(n));
            }
        }
    }
}
