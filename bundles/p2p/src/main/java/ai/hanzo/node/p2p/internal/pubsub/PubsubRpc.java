package ai.hanzo.node.p2p.internal.pubsub;

import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.codec.ProtoReader;
import ai.hanzo.node.p2p.internal.codec.ProtoWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The pubsub RPC (schema in src/main/proto/rpc.proto): subscriptions, published messages and
 * gossipsub control (IHAVE, IWANT, GRAFT, PRUNE). Decoding bounds every repeated field so a garbage
 * or hostile RPC cannot make the node allocate without limit.
 */
record PubsubRpc(List<SubOpts> subscriptions, List<Message> messages, Control control) {
    static final int MAX_ITEMS = 5000;

    /** A subscription change. */
    record SubOpts(boolean subscribe, String topic) {}

    /** A published message as on the wire. */
    record Message(
            byte[] from, byte[] data, byte[] seqno, String topic, byte[] signature, byte[] key) {
        /**
         * @return the bytes that are signed: the message without signature and key
         */
        byte[] signedBytes() {
            ProtoWriter w = new ProtoWriter(sizeHint());
            writeSignedFields(w);
            return w.toByteArray();
        }

        /**
         * @return {@code prefix} followed by {@link #signedBytes()}, in one copy
         */
        byte[] signedBytes(byte[] prefix) {
            ProtoWriter w = new ProtoWriter(prefix.length + sizeHint());
            w.raw(prefix);
            writeSignedFields(w);
            return w.toByteArray();
        }

        private int sizeHint() {
            return 256 + (data != null ? data.length : 0);
        }

        /** Fields 1-4, which the signature covers. */
        private void writeSignedFields(ProtoWriter w) {
            if (from != null) {
                w.bytes(1, from);
            }
            if (data != null) {
                w.bytes(2, data);
            }
            if (seqno != null) {
                w.bytes(3, seqno);
            }
            if (topic != null) {
                w.string(4, topic);
            }
        }

        void write(ProtoWriter w) {
            writeSignedFields(w);
            if (signature != null) {
                w.bytes(5, signature);
            }
            if (key != null) {
                w.bytes(6, key);
            }
        }

        static Message decode(byte[] b) {
            ProtoReader r = new ProtoReader(b);
            byte[] from = null;
            byte[] data = null;
            byte[] seqno = null;
            String topic = null;
            byte[] sig = null;
            byte[] key = null;
            while (r.next()) {
                switch (r.field()) {
                    case 1 -> from = r.bytes();
                    case 2 -> data = r.bytes();
                    case 3 -> seqno = r.bytes();
                    case 4 -> topic = r.string();
                    case 5 -> sig = r.bytes();
                    case 6 -> key = r.bytes();
                    default -> r.skip();
                }
            }
            return new Message(from, data, seqno, topic, sig, key);
        }
    }

    /** IHAVE: message ids the sender has for a topic. */
    record IHave(String topic, List<byte[]> ids) {}

    /**
     * PRUNE: leave the mesh of a topic, with a backoff in seconds and (v1.1 peer exchange) other
     * peers to try.
     */
    record Prune(String topic, long backoffSeconds, List<PxPeer> peers) {
        Prune {
            peers = List.copyOf(peers);
        }

        Prune(String topic, long backoffSeconds) {
            this(topic, backoffSeconds, List.of());
        }
    }

    /**
     * A peer offered in a PRUNE: its binary peer id and, optionally, its signed peer record
     * envelope.
     */
    record PxPeer(byte[] peerId, byte[] signedPeerRecord) {}

    /** Control messages. */
    record Control(List<IHave> ihave, List<byte[]> iwant, List<String> graft, List<Prune> prune) {
        static final Control EMPTY = new Control(List.of(), List.of(), List.of(), List.of());

        boolean isEmpty() {
            return ihave.isEmpty() && iwant.isEmpty() && graft.isEmpty() && prune.isEmpty();
        }
    }

    static PubsubRpc of(List<SubOpts> subs, List<Message> msgs, Control control) {
        return new PubsubRpc(subs, msgs, control == null ? Control.EMPTY : control);
    }

    byte[] encode() {
        int size = 64;
        for (Message m : messages) {
            size += m.sizeHint();
        }
        ProtoWriter w = new ProtoWriter(size);
        for (SubOpts s : subscriptions) {
            w.bytes(
                    1,
                    new ProtoWriter()
                            .uint(1, s.subscribe() ? 1 : 0)
                            .string(2, s.topic())
                            .toByteArray());
        }
        for (Message m : messages) {
            ProtoWriter mw = new ProtoWriter(m.sizeHint());
            m.write(mw);
            w.bytes(2, mw.toByteArray());
        }
        if (!control.isEmpty()) {
            ProtoWriter cw = new ProtoWriter();
            for (IHave ih : control.ihave()) {
                ProtoWriter iw = new ProtoWriter().string(1, ih.topic());
                ih.ids().forEach(id -> iw.bytes(2, id));
                cw.bytes(1, iw.toByteArray());
            }
            if (!control.iwant().isEmpty()) {
                ProtoWriter iw = new ProtoWriter();
                control.iwant().forEach(id -> iw.bytes(1, id));
                cw.bytes(2, iw.toByteArray());
            }
            for (String g : control.graft()) {
                cw.bytes(3, new ProtoWriter().string(1, g).toByteArray());
            }
            for (Prune p : control.prune()) {
                ProtoWriter pw = new ProtoWriter().string(1, p.topic());
                for (PxPeer px : p.peers()) {
                    ProtoWriter xw = new ProtoWriter();
                    if (px.peerId() != null) {
                        xw.bytes(1, px.peerId());
                    }
                    if (px.signedPeerRecord() != null) {
                        xw.bytes(2, px.signedPeerRecord());
                    }
                    pw.bytes(2, xw.toByteArray());
                }
                cw.bytes(4, pw.uint(3, p.backoffSeconds()).toByteArray());
            }
            w.bytes(3, cw.toByteArray());
        }
        return w.toByteArray();
    }

    static PubsubRpc decode(byte[] b) {
        List<SubOpts> subs = new ArrayList<>();
        List<Message> msgs = new ArrayList<>();
        List<IHave> ihave = new ArrayList<>();
        List<byte[]> iwant = new ArrayList<>();
        List<String> graft = new ArrayList<>();
        List<Prune> prune = new ArrayList<>();
        ProtoReader r = new ProtoReader(b);
        int items = 0;
        while (r.next()) {
            if (++items > MAX_ITEMS) {
                throw new MalformedInputException(
                        "pubsub RPC with more than " + MAX_ITEMS + " entries");
            }
            switch (r.field()) {
                case 1 -> {
                    ProtoReader s = new ProtoReader(r.bytes());
                    boolean sub = false;
                    String topic = null;
                    while (s.next()) {
                        switch (s.field()) {
                            case 1 -> sub = s.uint() != 0;
                            case 2 -> topic = s.string();
                            default -> s.skip();
                        }
                    }
                    if (topic != null) {
                        subs.add(new SubOpts(sub, topic));
                    }
                }
                case 2 -> msgs.add(Message.decode(r.bytes()));
                case 3 -> {
                    ProtoReader c = new ProtoReader(r.bytes());
                    while (c.next()) {
                        if (++items > MAX_ITEMS) {
                            throw new MalformedInputException(
                                    "pubsub control with more than " + MAX_ITEMS + " entries");
                        }
                        switch (c.field()) {
                            case 1 -> {
                                ProtoReader x = new ProtoReader(c.bytes());
                                String topic = "";
                                List<byte[]> ids = new ArrayList<>();
                                while (x.next()) {
                                    switch (x.field()) {
                                        case 1 -> topic = x.string();
                                        case 2 -> {
                                            if (++items > MAX_ITEMS) {
                                                throw new MalformedInputException(
                                                        "too many IHAVE ids");
                                            }
                                            ids.add(x.bytes());
                                        }
                                        default -> x.skip();
                                    }
                                }
                                ihave.add(new IHave(topic, ids));
                            }
                            case 2 -> {
                                ProtoReader x = new ProtoReader(c.bytes());
                                while (x.next()) {
                                    if (x.field() == 1) {
                                        if (++items > MAX_ITEMS) {
                                            throw new MalformedInputException("too many IWANT ids");
                                        }
                                        iwant.add(x.bytes());
                                    } else {
                                        x.skip();
                                    }
                                }
                            }
                            case 3 -> {
                                ProtoReader x = new ProtoReader(c.bytes());
                                while (x.next()) {
                                    if (x.field() == 1) {
                                        graft.add(x.string());
                                    } else {
                                        x.skip();
                                    }
                                }
                            }
                            case 4 -> {
                                ProtoReader x = new ProtoReader(c.bytes());
                                String topic = "";
                                long backoff = 0;
                                List<PxPeer> px = new ArrayList<>();
                                while (x.next()) {
                                    switch (x.field()) {
                                        case 1 -> topic = x.string();
                                        case 2 -> {
                                            if (++items > MAX_ITEMS) {
                                                throw new MalformedInputException(
                                                        "too many PX peers");
                                            }
                                            px.add(decodePxPeer(x.bytes()));
                                        }
                                        case 3 -> backoff = x.uint();
                                        default -> x.skip();
                                    }
                                }
                                prune.add(new Prune(topic, backoff, px));
                            }
                            default -> c.skip();
                        }
                    }
                }
                default -> r.skip();
            }
        }
        return new PubsubRpc(subs, msgs, new Control(ihave, iwant, graft, prune));
    }

    private static PxPeer decodePxPeer(byte[] b) {
        ProtoReader r = new ProtoReader(b);
        byte[] id = null;
        byte[] record = null;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> id = r.bytes();
                case 2 -> record = r.bytes();
                default -> r.skip();
            }
        }
        return new PxPeer(id, record);
    }
}
