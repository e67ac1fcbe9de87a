package ai.hanzo.node.p2p.internal.presence;

import ai.hanzo.node.api.Subscription;
import ai.hanzo.node.api.p2p.NodeDirectory;
import ai.hanzo.node.api.p2p.PeerNetwork;
import ai.hanzo.node.api.p2p.ProviderKeys;
import ai.hanzo.node.api.p2p.PubsubMessage;
import ai.hanzo.node.api.p2p.RemoteNode;
import ai.hanzo.node.api.p2p.Topics;
import ai.hanzo.node.p2p.internal.P2pNode;
import ai.hanzo.node.p2p.internal.codec.MalformedInputException;
import ai.hanzo.node.p2p.internal.presence.NodeAnnouncement.CapabilitiesChanged;
import ai.hanzo.node.p2p.internal.presence.NodeAnnouncement.DeploymentChanged;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node as the rest of the network sees it, and the rest of the network as the node sees it.
 *
 * <p>Outbound: a signed heartbeat on {@link Topics#HEARTBEAT} every interval; a {@link
 * NodeAnnouncement} on {@link Topics#DEPLOYMENTS} whenever the capability set changes or a
 * deployment changes state; and each capability provided in the DHT under {@link
 * ProviderKeys#capability}, retried every interval until a peer took it (the network re-announces
 * it from then on) and withdrawn when the capability goes.
 *
 * <p>Inbound: the {@link NodeDirectory} of the other nodes of the same network, bounded, with nodes
 * dropped after three silent heartbeat intervals.
 *
 * <p>All state changes run on the one scheduler thread given, so none of it needs locks.
 */
public final class NodePresence implements NodeDirectory, AutoCloseable {
    static final int MAX_NODES = 10_000;
    static final int MAX_DEPLOYMENTS_PER_NODE = 1024;

    private final Logger logger = LoggerFactory.getLogger(NodePresence.class);
    private final PeerNetwork network;
    private final String nodeId;
    private final String networkId;
    private volatile Predicate<String> heartbeatFilter = peer -> true;
    private final Duration interval;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final String agent;

    private final Map<String, RemoteNode> nodes = new ConcurrentHashMap<>();
    private final Map<String, Long> lastSequence = new ConcurrentHashMap<>();
    private final List<Consumer<RemoteNode>> listeners = new CopyOnWriteArrayList<>();
    private final List<Subscription> subscriptions = new ArrayList<>();
    private volatile Set<String> capabilities = Set.of();
    private final Set<String> unprovided = new HashSet<>();
    private final Set<String> providing = new HashSet<>();
    private long sequence;
    private ScheduledFuture<?> timer;

    /**
     * @param network the libp2p network to speak on
     * @param nodeId this node's id, as the operator knows it
     * @param networkId this node's network; messages of others are ignored
     * @param interval the heartbeat interval
     * @param scheduler a single-thread scheduler this presence owns the use of
     * @param clock the clock for timestamps and expiry
     * @param agent the software version sent in heartbeats
     */
    public NodePresence(
            PeerNetwork network,
            String nodeId,
            String networkId,
            Duration interval,
            ScheduledExecutorService scheduler,
            Clock clock,
            String agent) {
        this.network = network;
        this.nodeId = nodeId;
        this.networkId = networkId;
        this.interval = interval;
        this.scheduler = scheduler;
        this.clock = clock;
        this.agent = agent;
        // seeded from the wall clock so that a restarted node's announcements still supersede its
        // old ones
        this.sequence = clock.millis();
    }

    /**
     * Keeps only the heartbeats of peers the filter accepts, e.g. nodes registered on chain; the
     * others never enter the directory.
     *
     * @param filter asked with the sender's peer id; must not block
     * @return this
     */
    public NodePresence acceptHeartbeatsFrom(Predicate<String> filter) {
        this.heartbeatFilter = filter;
        return this;
    }

    /** Joins both topics and starts the heartbeat. */
    public NodePresence start() {
        subscriptions.add(
                network.subscribe(Topics.HEARTBEAT, m -> onScheduler(() -> heartbeatReceived(m))));
        subscriptions.add(
                network.subscribe(
                        Topics.DEPLOYMENTS, m -> onScheduler(() -> announcementReceived(m))));
        timer =
                scheduler.scheduleWithFixedDelay(
                        this::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /**
     * Sets the capability set; when it differs from the last one, announces the change and updates
     * what the node provides in the DHT.
     */
    public void capabilities(Set<String> now) {
        Set<String> next = Set.copyOf(new TreeSet<>(now));
        onScheduler(
                () -> {
                    Set<String> before = capabilities;
                    if (before.equals(next)) {
                        return;
                    }
                    List<String> added =
                            next.stream().filter(c -> !before.contains(c)).sorted().toList();
                    List<String> removed =
                            before.stream().filter(c -> !next.contains(c)).sorted().toList();
                    capabilities = next;
                    logger.info(
                            "Capabilities now {} (added {}, removed {})",
                            new TreeSet<>(next),
                            added,
                            removed);
                    for (String c : removed) {
                        unprovided.remove(c);
                        network.stopProviding(ProviderKeys.capability(networkId, c));
                    }
                    unprovided.addAll(added);
                    announce(
                            new CapabilitiesChanged(
                                    new TreeSet<>(next).stream().toList(), added, removed));
                    providePending();
                });
    }

    /** Announces that one of this node's deployments entered {@code state}. */
    public void deploymentChanged(String deploymentId, String state, String message) {
        onScheduler(() -> announce(new DeploymentChanged(deploymentId, state, message)));
    }

    @Override
    public Set<String> localCapabilities() {
        return capabilities;
    }

    @Override
    public List<RemoteNode> nodes() {
        return nodes.values().stream()
                .sorted(Comparator.comparing(RemoteNode::lastSeen).reversed())
                .toList();
    }

    @Override
    public Optional<RemoteNode> node(String peerId) {
        return Optional.ofNullable(nodes.get(peerId));
    }

    @Override
    public Subscription onChange(Consumer<RemoteNode> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void tick() {
        try {
            publishHeartbeat();
            providePending();
            Instant cutoff = clock.instant().minus(interval.multipliedBy(3));
            nodes.values()
                    .removeIf(
                            n -> {
                                if (n.lastSeen().isBefore(cutoff)) {
                                    logger.info(
                                            "Node {} ({}) left: not heard from since {}",
                                            n.nodeId(),
                                            n.peerId(),
                                            n.lastSeen());
                                    return true;
                                }
                                return false;
                            });
            lastSequence.keySet().retainAll(nodes.keySet());
        } catch (RuntimeException e) {
            // the timer must survive whatever one tick meets
            logger.warn("Presence tick failed: {}", e.toString());
        }
    }

    private void publishHeartbeat() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        NodeHeartbeat hb =
                new NodeHeartbeat(
                        nodeId,
                        networkId,
                        List.copyOf(new TreeSet<>(capabilities)),
                        load < 0 ? 0 : Math.round(load * 1000),
                        network.listenAddresses(),
                        clock.millis(),
                        agent);
        network.publish(Topics.HEARTBEAT, hb.encode())
                .whenComplete(
                        (v, e) -> {
                            if (e != null) {
                                logger.debug("Heartbeat not sent: {}", P2pNode.rootMessage(e));
                            }
                        });
    }

    private void announce(NodeAnnouncement.Change change) {
        NodeAnnouncement a =
                new NodeAnnouncement(nodeId, networkId, clock.millis(), ++sequence, change);
        network.publish(Topics.DEPLOYMENTS, a.encode())
                .whenComplete(
                        (v, e) -> {
                            if (e != null) {
                                // peers that join later learn the capabilities from the heartbeats
                                logger.debug(
                                        "Announcement {} not sent: {}",
                                        change,
                                        P2pNode.rootMessage(e));
                            }
                        });
    }

    private void providePending() {
        for (String c : List.copyOf(unprovided)) {
            if (!providing.add(c)) {
                continue;
            }
            network.provide(ProviderKeys.capability(networkId, c))
                    .whenComplete(
                            (v, e) ->
                                    onScheduler(
                                            () -> {
                                                providing.remove(c);
                                                if (e == null) {
                                                    unprovided.remove(c);
                                                    logger.debug("Providing {} in the DHT", c);
                                                } else {
                                                    logger.debug(
                                                            "Not yet provided in the DHT: {} ({}); trying again next heartbeat",
                                                            c,
                                                            P2pNode.rootMessage(e));
                                                }
                                            }));
        }
    }

    private void heartbeatReceived(PubsubMessage m) {
        NodeHeartbeat hb;
        try {
            hb = NodeHeartbeat.decode(m.data());
        } catch (MalformedInputException e) {
            logger.debug("Ignoring an undecodable heartbeat from {}: {}", m.from(), e.getMessage());
            return;
        }
        if (!networkId.equals(hb.networkId())) {
            logger.debug("Ignoring a heartbeat from {} of network {}", m.from(), hb.networkId());
            return;
        }
        if (!heartbeatFilter.test(m.from())) {
            logger.debug("Ignoring a heartbeat from {}: not accepted (unregistered)", m.from());
            return;
        }
        RemoteNode old = nodes.get(m.from());
        if (old == null && nodes.size() >= MAX_NODES) {
            return;
        }
        RemoteNode now =
                new RemoteNode(
                        m.from(),
                        hb.nodeId(),
                        hb.capabilities(),
                        hb.loadMilli(),
                        hb.endpoints(),
                        hb.agent(),
                        clock.instant(),
                        old != null ? old.deployments() : Map.of());
        nodes.put(m.from(), now);
        if (old == null) {
            logger.info(
                    "Node {} ({}) joined: capabilities {}, agent {}",
                    now.nodeId(),
                    now.peerId(),
                    now.capabilities(),
                    now.agent());
        }
        if (old == null
                || !old.capabilities().equals(now.capabilities())
                || !old.nodeId().equals(now.nodeId())) {
            changed(now);
        }
    }

    private void announcementReceived(PubsubMessage m) {
        NodeAnnouncement a;
        try {
            a = NodeAnnouncement.decode(m.data());
        } catch (MalformedInputException e) {
            logger.debug(
                    "Ignoring an undecodable announcement from {}: {}", m.from(), e.getMessage());
            return;
        }
        if (!networkId.equals(a.networkId()) || a.change() == null) {
            return;
        }
        Long last = lastSequence.get(m.from());
        if (last != null && a.sequence() <= last) {
            logger.debug(
                    "Ignoring a stale announcement from {} (sequence {} after {})",
                    m.from(),
                    a.sequence(),
                    last);
            return;
        }
        RemoteNode old = nodes.get(m.from());
        if (old == null && nodes.size() >= MAX_NODES) {
            return;
        }
        lastSequence.put(m.from(), a.sequence());
        RemoteNode base =
                old != null
                        ? old
                        : new RemoteNode(
                                m.from(),
                                a.nodeId(),
                                List.of(),
                                0,
                                List.of(),
                                "",
                                clock.instant(),
                                Map.of());
        RemoteNode now;
        if (a.change() instanceof CapabilitiesChanged c) {
            now =
                    new RemoteNode(
                            base.peerId(),
                            a.nodeId(),
                            c.capabilities(),
                            base.loadMilli(),
                            base.endpoints(),
                            base.agent(),
                            clock.instant(),
                            base.deployments());
        } else {
            DeploymentChanged d = (DeploymentChanged) a.change();
            Map<String, String> deployments = new LinkedHashMap<>(base.deployments());
            if (d.state().equals("REMOVING")) {
                deployments.remove(d.deploymentId());
            } else if (deployments.containsKey(d.deploymentId())
                    || deployments.size() < MAX_DEPLOYMENTS_PER_NODE) {
                deployments.put(d.deploymentId(), d.state());
            }
            now =
                    new RemoteNode(
                            base.peerId(),
                            a.nodeId(),
                            base.capabilities(),
                            base.loadMilli(),
                            base.endpoints(),
                            base.agent(),
                            clock.instant(),
                            deployments);
        }
        if (old == null) {
            logger.info(
                    "Node {} ({}) joined: capabilities {}",
                    now.nodeId(),
                    now.peerId(),
                    now.capabilities());
        }
        nodes.put(m.from(), now);
        changed(now);
    }

    private void changed(RemoteNode n) {
        for (Consumer<RemoteNode> l : listeners) {
            try {
                l.accept(n);
            } catch (RuntimeException e) {
                logger.warn("A node directory listener failed: {}", e.toString());
            }
        }
    }

    private void onScheduler(Runnable r) {
        try {
            scheduler.execute(r);
        } catch (RejectedExecutionException e) {
            logger.trace("Presence is closed; dropped a task");
        }
    }

    /**
     * Stops the heartbeat and leaves both topics; capabilities stay provided until their records
     * expire.
     */
    @Override
    public void close() {
        if (timer != null) {
            timer.cancel(false);
        }
        subscriptions.forEach(Subscription::close);
    }
}
