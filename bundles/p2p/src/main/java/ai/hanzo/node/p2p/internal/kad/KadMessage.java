package ai.hanzo.node.p2p.internal.kad;

import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.codec.ProtoReader;
import ai.hanzo.node.p2p.internal.codec.ProtoWriter;
import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import java.util.ArrayList;
import java.util.List;

/** The Kademlia DHT message (schema in src/main/proto/kad.proto). */
record KadMessage(
        int type, byte[] key, Record record, List<Peer> closerPeers, List<Peer> providerPeers) {
    static final int PUT_VALUE = 0;
    static final int GET_VALUE = 1;
    static final int ADD_PROVIDER = 2;
    static final int GET_PROVIDERS = 3;
    static final int FIND_NODE = 4;
    static final int PING = 5;
    static final int MAX_PEERS = 64;

    /** A stored record. */
    record Record(byte[] key, byte[] value, String timeReceived) {}

    /** A peer with its addresses. */
    record Peer(PeerId id, List<Multiaddr> addrs) {}

    static KadMessage request(int type, byte[] key) {
        return new KadMessage(type, key, null, List.of(), List.of());
    }

    byte[] encode() {
        ProtoWriter w = new ProtoWriter().uint(1, type);
        if (key != null) {
            w.bytes(2, key);
        }
        if (record != null) {
            ProtoWriter r = new ProtoWriter().bytes(1, record.key()).bytes(2, record.value());
            if (record.timeReceived() != null) {
                r.string(5, record.timeReceived());
            }
            w.bytes(3, r.toByteArray());
        }
        for (Peer p : closerPeers) {
            w.bytes(8, encodePeer(p));
        }
        for (Peer p : providerPeers) {
            w.bytes(9, encodePeer(p));
        }
        w.uint(10, 0);
        return w.toByteArray();
    }

    private static byte[] encodePeer(Peer p) {
        ProtoWriter w = new ProtoWriter().bytes(1, p.id().toBytes());
        for (Multiaddr m : p.addrs()) {
            w.bytes(2, m.toBytes());
        }
        return w.toByteArray();
    }

    static KadMessage decode(byte[] b) {
        ProtoReader r = new ProtoReader(b);
        int type = -1;
        byte[] key = null;
        Record record = null;
        List<Peer> closer = new ArrayList<>();
        List<Peer> providers = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> type = (int) r.uint();
                case 2 -> key = r.bytes();
                case 3 -> record = decodeRecord(r.bytes());
                case 8 -> addPeer(closer, r.bytes());
                case 9 -> addPeer(providers, r.bytes());
                default -> r.skip();
            }
        }
        if (type < 0 || type > PING) {
            throw new MalformedInputException("unknown DHT message type " + type);
        }
        return new KadMessage(type, key, record, closer, providers);
    }

    private static Record decodeRecord(byte[] b) {
        ProtoReader r = new ProtoReader(b);
        byte[] key = null;
        byte[] value = null;
        String time = null;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> key = r.bytes();
                case 2 -> value = r.bytes();
                case 5 -> time = r.string();
                default -> r.skip();
            }
        }
        return new Record(key, value, time);
    }

    private static void addPeer(List<Peer> out, byte[] b) {
        if (out.size() >= MAX_PEERS) {
            throw new MalformedInputException(
                    "DHT message lists more than " + MAX_PEERS + " peers");
        }
        ProtoReader r = new ProtoReader(b);
        PeerId id = null;
        List<Multiaddr> addrs = new ArrayList<>();
        while (r.next()) {
            switch (r.field()) {
                case 1 -> id = PeerId.fromBytes(r.bytes());
                case 2 -> {
                    byte[] a = r.bytes();
                    try {
                        if (addrs.size() < 16) {
                            addrs.add(Multiaddr.fromBytes(a));
                        }
                    } catch (MalformedInputException e) {
                        // another transport: skip
                    }
                }
                default -> r.skip();
            }
        }
        if (id != null) {
            out.add(new Peer(id, addrs));
        }
    }
}
