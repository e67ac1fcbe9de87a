package ai.hanzo.node.p2p.internal.protocol;

import ai.hanzo.node.p2p.internal.codec.LengthPrefixed;
import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.codec.ProtoReader;
import ai.hanzo.node.p2p.internal.codec.ProtoWriter;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import ai.hanzo.node.p2p.internal.transport.Connection;
import ai.hanzo.node.p2p.internal.transport.Libp2pHost;
import ai.hanzo.node.p2p.internal.transport.StreamHandler;
import ai.hanzo.node.p2p.internal.transport.YamuxStream;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /ipfs/id/1.0.0} and {@code /ipfs/id/push/1.0.0}: the listener of an identify stream sends
 * one Identify message and closes; a push stream carries one from the dialer.
 */
public final class IdentifyProtocol {
    /** The identify protocol id. */
    public static final String ID = "/ipfs/id/1.0.0";

    /** The push variant. */
    public static final String PUSH = "/ipfs/id/push/1.0.0";

    static final String PROTOCOL_VERSION = "ipfs/0.1.0";
    static final int MAX_MESSAGE = 64 * 1024;

    /** A decoded Identify message. */
    public record Info(
            PeerId peer,
            String protocolVersion,
            String agentVersion,
            List<Multiaddr> listenAddrs,
            List<String> protocols,
            Multiaddr observedAddr) {}

    private final Logger logger = LoggerFactory.getLogger(IdentifyProtocol.class);
    private final Libp2pHost host;
    private final PeerStore peers;
    private final String agentVersion;
    private static final long PUSH_DELAY_MS = 100;
    private final AtomicBoolean pushScheduled = new AtomicBoolean();
    private final List<java.util.function.Consumer<Info>> listeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Registers identify and push on {@code host}; identifies every new connection. */
    public IdentifyProtocol(Libp2pHost host, PeerStore peers, String agentVersion) {
        this.host = host;
        this.peers = peers;
        this.agentVersion = agentVersion;
        host.handle(ID, () -> new Responder());
        host.handle(PUSH, () -> new Reader(null, null));
        host.addLocalChangeListener(this::pushSoon);
    }

    // changes come in bursts (a bundle registering several protocols): one push per burst
    private void pushSoon() {
        if (pushScheduled.compareAndSet(false, true)) {
            try {
                host.group()
                        .schedule(
                                () -> {
                                    pushScheduled.set(false);
                                    pushToAll();
                                },
                                PUSH_DELAY_MS,
                                TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                pushScheduled.set(false);
            }
        }
    }

    /** Adds a listener told about every Identify message received (answers and pushes). */
    public void addListener(java.util.function.Consumer<Info> l) {
        listeners.add(l);
    }

    /**
     * @return the remote's Identify message, also recorded in the peer store
     */
    public CompletableFuture<Info> identify(Connection c) {
        CompletableFuture<Info> f = new CompletableFuture<>();
        host.newStream(c, List.of(ID), new Reader(c, f))
                .exceptionally(
                        e -> {
                            f.completeExceptionally(e);
                            return null;
                        });
        return f;
    }

    /** Pushes the current Identify message to every connected peer that speaks push. */
    public void pushToAll() {
        for (Connection c : host.connections()) {
            boolean speaksPush =
                    peers.get(c.remotePeer()).map(e -> e.protocols().contains(PUSH)).orElse(false);
            if (!speaksPush) {
                continue;
            }
            host.newStream(
                    c,
                    List.of(PUSH),
                    new StreamHandler() {
                        @Override
                        public void onActive(YamuxStream stream) {
                            stream.write(
                                    LengthPrefixed.encode(
                                            stream.session().channel().alloc(), encode(c)));
                            stream.closeWrite();
                        }

                        @Override
                        public void onData(YamuxStream stream, ByteBuf in) {
                            in.skipBytes(in.readableBytes());
                        }
                    });
        }
    }

    byte[] encode(Connection c) {
        ProtoWriter w =
                new ProtoWriter()
                        .string(5, PROTOCOL_VERSION)
                        .string(6, agentVersion)
                        .bytes(1, host.identity().publicKeyProtobuf());
        for (Multiaddr m : host.listenAddresses()) {
            w.bytes(2, m.toBytes());
        }
        if (c != null) {
            w.bytes(4, c.remoteAddress().toBytes());
        }
        for (String p : host.protocols()) {
            w.string(3, p);
        }
        return w.toByteArray();
    }

    /** Decodes an Identify message and checks that its key matches the connection's peer. */
    static Info decode(byte[] msg, PeerId expectedPeer) {
        ProtoReader r = new ProtoReader(msg);
        String pv = "";
        String av = "";
        byte[] key = null;
        List<Multiaddr> addrs = new ArrayList<>();
        List<String> protocols = new ArrayList<>();
        Multiaddr observed = null;
        while (r.next()) {
            switch (r.field()) {
                case 5 -> pv = r.string();
                case 6 -> av = r.string();
                case 1 -> key = r.bytes();
                case 2 -> {
                    byte[] a = r.bytes();
                    try {
                        addrs.add(Multiaddr.fromBytes(a));
                    } catch (MalformedInputException e) {
                        // addresses of transports this node does not speak (quic, ws, ...) are
                        // skipped
                    }
                }
                case 3 -> protocols.add(r.string());
                case 4 -> {
                    byte[] a = r.bytes();
                    try {
                        observed = Multiaddr.fromBytes(a);
                    } catch (MalformedInputException e) {
                        observed = null;
                    }
                }
                default -> r.skip();
            }
        }
        if (key != null && !PeerId.fromPublicKey(key).equals(expectedPeer)) {
            throw new MalformedInputException("identify carries the key of another peer");
        }
        return new Info(expectedPeer, pv, av, addrs, protocols, observed);
    }

    /** Sends our Identify message and closes. */
    private final class Responder implements StreamHandler {
        @Override
        public void onActive(YamuxStream stream) {
            Connection c = host.connection(stream.session().remotePeer()).orElse(null);
            stream.write(LengthPrefixed.encode(stream.session().channel().alloc(), encode(c)));
            stream.closeWrite();
        }

        @Override
        public void onData(YamuxStream stream, ByteBuf in) {
            in.skipBytes(in.readableBytes());
        }
    }

    /** Reads one Identify message (from an identify response or a push). */
    private final class Reader implements StreamHandler {
        private final Connection connection;
        private final CompletableFuture<Info> result;
        private boolean done;

        Reader(Connection connection, CompletableFuture<Info> result) {
            this.connection = connection;
            this.result = result;
        }

        @Override
        public void onData(YamuxStream stream, ByteBuf in) {
            if (done) {
                in.skipBytes(in.readableBytes());
                return;
            }
            byte[] msg = LengthPrefixed.tryRead(in, MAX_MESSAGE);
            if (msg == null) {
                return;
            }
            done = true;
            PeerId peer = stream.session().remotePeer();
            Info info = decode(msg, peer);
            peers.identified(peer, info.listenAddrs(), info.protocols(), info.agentVersion());
            logger.debug(
                    "Identified {}: {} protocols, addrs {}",
                    peer,
                    info.protocols().size(),
                    info.listenAddrs());
            for (var l : listeners) {
                try {
                    l.accept(info);
                } catch (RuntimeException e) {
                    logger.warn("Identify listener failed", e);
                }
            }
            if (result != null) {
                result.complete(info);
            }
            if (connection == null) {
                stream.closeWrite();
            }
        }

        @Override
        public void onClosed(YamuxStream stream) {
            if (result != null) {
                result.completeExceptionally(
                        new IOException("identify stream closed before a message arrived"));
            }
        }
    }
}
