package ai.hanzo.node.p2p.internal.protocol;

import ai.hanzo.node.p2p.internal.identity.Multiaddr;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** What the node learned about peers: addresses, protocols, agent, latency. Bounded in size. */
public final class PeerStore {
    /** A snapshot of one peer. */
    public record Entry(
            PeerId peer,
            List<Multiaddr> addresses,
            List<String> protocols,
            String agentVersion,
            Optional<Duration> latency) {}

    private static final int MAX_PEERS = 10_000;
    private static final int MAX_ADDRS = 32;
    private static final int MAX_PROTOCOLS = 128;

    private final Map<PeerId, Entry> entries = new ConcurrentHashMap<>();

    /** Adds addresses to what is known of {@code peer}. */
    public void addAddresses(PeerId peer, Collection<Multiaddr> addrs) {
        update(
                peer,
                e -> {
                    LinkedHashSet<Multiaddr> all = new LinkedHashSet<>(addrs);
                    all.addAll(e.addresses());
                    return new Entry(
                            peer,
                            all.stream().limit(MAX_ADDRS).toList(),
                            e.protocols(),
                            e.agentVersion(),
                            e.latency());
                });
    }

    /** Replaces what identify told about {@code peer}. */
    public void identified(
            PeerId peer, List<Multiaddr> addrs, List<String> protocols, String agent) {
        update(
                peer,
                e ->
                        new Entry(
                                peer,
                                addrs.stream().distinct().limit(MAX_ADDRS).toList(),
                                protocols.stream().distinct().limit(MAX_PROTOCOLS).toList(),
                                agent,
                                e.latency()));
    }

    /** Records a measured round trip. */
    public void latency(PeerId peer, Duration rtt) {
        update(
                peer,
                e ->
                        new Entry(
                                peer,
                                e.addresses(),
                                e.protocols(),
                                e.agentVersion(),
                                Optional.of(rtt)));
    }

    /**
     * @return the entry of {@code peer}
     */
    public Optional<Entry> get(PeerId peer) {
        return Optional.ofNullable(entries.get(peer));
    }

    /**
     * @return all entries
     */
    public Collection<Entry> all() {
        return List.copyOf(entries.values());
    }

    private void update(PeerId peer, java.util.function.UnaryOperator<Entry> f) {
        if (!entries.containsKey(peer) && entries.size() >= MAX_PEERS) {
            return;
        }
        entries.compute(
                peer,
                (k, v) ->
                        f.apply(
                                v != null
                                        ? v
                                        : new Entry(
                                                peer, List.of(), List.of(), "", Optional.empty())));
    }
}
