package ai.hanzo.node.rpc.internal;

import ai.hanzo.node.api.FailedPreconditionException;
import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.NotFoundException;
import ai.hanzo.node.api.UnavailableException;
import ai.hanzo.node.api.node.NodeCapabilities;
import ai.hanzo.node.api.node.NodeRegistry;
import ai.hanzo.node.api.node.RegisteredNode;
import ai.hanzo.node.api.store.NodeStore;
import ai.hanzo.node.proto.v1.CommandType;
import ai.hanzo.node.proto.v1.HeartbeatRequest;
import ai.hanzo.node.proto.v1.NodeCommand;
import ai.hanzo.node.proto.v1.RegisterNodeRequest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The nodes registered with this one. Registration is challenge-response: the first {@code
 * RegisterNode} gets a random 32-byte challenge; the registering node signs {@link #proofMessage}
 * with the private key of its {@code public_key} and sends the same request again with the
 * signature in the {@code x-hanzo-registration-proof} metadata (base64). Only then is the
 * registration stored and active. Records live in the node store's KV area under {@code registry/}.
 */
final class NodeRegistryService implements NodeRegistry {
    static final Duration CHALLENGE_LIFETIME = Duration.ofMinutes(5);
    static final int MAX_PENDING = 10_000;
    static final int MAX_COMMANDS_PER_HEARTBEAT = 100;
    private static final byte[] PROOF_DOMAIN =
            "hanzo.node.v1.RegisterNode\n".getBytes(StandardCharsets.UTF_8);
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern EVM_ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");
    private static final String NODE = "registry/node/";
    private static final String SINCE = "registry/since/";
    private static final String HEARTBEAT = "registry/heartbeat/";
    private static final String COMMAND = "registry/command/";

    private record Pending(byte[] publicKey, byte[] challenge, Instant expires) {}

    /** What RegisterNode answers. */
    record Outcome(boolean registered, String nodeId, byte[] challenge, String message) {}

    private final Supplier<Optional<NodeStore>> store;
    private final String ownNodeId;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    NodeRegistryService(Supplier<Optional<NodeStore>> store, String ownNodeId, Clock clock) {
        this.store = store;
        this.ownNodeId = ownNodeId;
        this.clock = clock;
    }

    /**
     * @param challenge the challenge the registrar issued
     * @param nodeId the id being registered
     * @return the bytes the registering node signs
     */
    static byte[] proofMessage(byte[] challenge, String nodeId) {
        byte[] id = nodeId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(PROOF_DOMAIN.length + challenge.length + id.length)
                .put(PROOF_DOMAIN)
                .put(challenge)
                .put(id)
                .array();
    }

    private NodeStore store() {
        return store.get()
                .orElseThrow(
                        () ->
                                new UnavailableException(
                                        "the node store is not running; registrations cannot be"
                                                + " kept"));
    }

    /**
     * @param request the registration request
     * @param proof the signature over the challenge, or null on the first call
     * @return a challenge (first call) or the active registration
     */
    Outcome register(RegisterNodeRequest request, byte[] proof) {
        Libp2pKeys.Key key = Libp2pKeys.decode(request.getPublicKey().toByteArray());
        String nodeId = request.getNodeId().isBlank() ? key.peerId() : request.getNodeId().trim();
        if (!NODE_ID.matcher(nodeId).matches()) {
            throw new InvalidArgumentException(
                    "node_id '"
                            + nodeId
                            + "' is not 1-128 characters of A-Z a-z 0-9 . _ - starting with a"
                            + " letter or digit");
        }
        if (nodeId.equals(ownNodeId)) {
            throw new InvalidArgumentException("node_id '" + nodeId + "' is this node's own id");
        }
        String operator = request.getOperatorAddress().trim();
        if (!operator.isEmpty() && !EVM_ADDRESS.matcher(operator).matches()) {
            throw new InvalidArgumentException(
                    "operator_address '" + operator + "' is not 0x followed by 40 hex digits");
        }
        String endpoint = request.getEndpoint().trim();
        if (!endpoint.isEmpty() && endpoint.lastIndexOf(':') <= 0) {
            throw new InvalidArgumentException("endpoint '" + endpoint + "' is not host:port");
        }
        NodeStore nodes = store();
        Optional<RegisterNodeRequest> existing = stored(nodes, nodeId);
        if (existing.isPresent() && !existing.get().getPublicKey().equals(request.getPublicKey())) {
            throw new ai.hanzo.node.api.AlreadyExistsException(
                    "node " + nodeId + " is already registered with another public key");
        }
        Instant now = clock.instant();
        pending.values().removeIf(p -> p.expires().isBefore(now));
        if (proof == null) {
            if (pending.size() >= MAX_PENDING) {
                throw new ai.hanzo.node.api.ResourceExhaustedException(
                        "too many registrations are waiting for their proof; retry in a minute");
            }
            byte[] challenge = new byte[32];
            random.nextBytes(challenge);
            pending.put(
                    nodeId,
                    new Pending(
                            request.getPublicKey().toByteArray(),
                            challenge,
                            now.plus(CHALLENGE_LIFETIME)));
            return new Outcome(
                    false,
                    nodeId,
                    challenge,
                    "prove you hold the key: sign 'hanzo.node.v1.RegisterNode\\n' + challenge + "
                            + "node id with the private key of public_key and send the same"
                            + " request again with metadata 'x-hanzo-registration-proof:"
                            + " <base64 signature>' within "
                            + CHALLENGE_LIFETIME.toSeconds()
                            + " s");
        }
        Pending issued = pending.get(nodeId);
        if (issued == null) {
            throw new FailedPreconditionException(
                    "no challenge is pending for node "
                            + nodeId
                            + " (it expired or was never issued): call RegisterNode without a"
                            + " proof first");
        }
        if (!java.util.Arrays.equals(issued.publicKey(), request.getPublicKey().toByteArray())) {
            throw new FailedPreconditionException(
                    "the challenge for node " + nodeId + " was issued for another public key");
        }
        if (!key.verifies(proofMessage(issued.challenge(), nodeId), proof)) {
            throw new ai.hanzo.node.api.NodeException(
                    ai.hanzo.node.api.ErrorCode.UNAUTHENTICATED,
                    "the registration proof does not verify with public_key: sign the challenge"
                            + " of the first answer");
        }
        pending.remove(nodeId);
        nodes.put(NODE + nodeId, request.toBuilder().setNodeId(nodeId).build().toByteArray());
        if (existing.isEmpty()) {
            nodes.put(
                    SINCE + nodeId,
                    Long.toString(now.toEpochMilli()).getBytes(StandardCharsets.US_ASCII));
        }
        return new Outcome(
                true,
                nodeId,
                new byte[0],
                "node " + nodeId + " registered (peer " + key.peerId() + ")");
    }

    /**
     * Records a heartbeat and hands over the node's queued commands (each delivered once).
     *
     * @param request the heartbeat
     * @return the commands queued for the node, oldest first
     */
    List<NodeCommand> heartbeat(HeartbeatRequest request) {
        NodeStore nodes = store();
        String nodeId = request.getNodeId().trim();
        requireRegistered(nodes, nodeId);
        nodes.put(
                HEARTBEAT + nodeId,
                request.toBuilder()
                        .setTimestamp(clock.instant().getEpochSecond())
                        .build()
                        .toByteArray());
        List<NodeCommand> commands = new ArrayList<>();
        for (Map.Entry<String, byte[]> entry : nodes.scan(COMMAND + nodeId + "/").entrySet()) {
            if (commands.size() >= MAX_COMMANDS_PER_HEARTBEAT) {
                break;
            }
            try {
                commands.add(NodeCommand.parseFrom(entry.getValue()));
            } catch (InvalidProtocolBufferException e) {
                // a damaged record is dropped rather than blocking the queue
            }
            nodes.delete(entry.getKey());
        }
        return commands;
    }

    /**
     * @param nodeId a registered node
     * @param capabilities what it offers now
     */
    void updateCapabilities(String nodeId, ai.hanzo.node.proto.v1.NodeCapabilities capabilities) {
        NodeStore nodes = store();
        RegisterNodeRequest stored = requireRegistered(nodes, nodeId);
        nodes.put(
                NODE + nodeId,
                stored.toBuilder().setCapabilities(capabilities).build().toByteArray());
    }

    private RegisterNodeRequest requireRegistered(NodeStore nodes, String nodeId) {
        if (nodeId.isEmpty()) {
            throw new InvalidArgumentException("node_id is empty");
        }
        return stored(nodes, nodeId)
                .orElseThrow(
                        () ->
                                new NotFoundException(
                                        "node "
                                                + nodeId
                                                + " is not registered here: call RegisterNode"
                                                + " first"));
    }

    private static Optional<RegisterNodeRequest> stored(NodeStore nodes, String nodeId) {
        return nodes.get(NODE + nodeId)
                .map(
                        bytes -> {
                            try {
                                return RegisterNodeRequest.parseFrom(bytes);
                            } catch (InvalidProtocolBufferException e) {
                                throw new FailedPreconditionException(
                                        "the stored registration of node "
                                                + nodeId
                                                + " is damaged; register it again after"
                                                + " deleting "
                                                + NODE
                                                + nodeId);
                            }
                        });
    }

    @Override
    public List<RegisteredNode> nodes() {
        NodeStore nodes = store();
        List<RegisteredNode> all = new ArrayList<>();
        for (String key : nodes.scan(NODE).keySet()) {
            node(key.substring(NODE.length())).ifPresent(all::add);
        }
        return all;
    }

    @Override
    public Optional<RegisteredNode> node(String nodeId) {
        NodeStore nodes = store();
        Optional<RegisterNodeRequest> stored = stored(nodes, nodeId);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        RegisterNodeRequest r = stored.get();
        Instant since =
                nodes.get(SINCE + nodeId)
                        .map(
                                b ->
                                        Instant.ofEpochMilli(
                                                Long.parseLong(
                                                        new String(b, StandardCharsets.US_ASCII))))
                        .orElse(Instant.EPOCH);
        Optional<HeartbeatRequest> beat =
                nodes.get(HEARTBEAT + nodeId)
                        .flatMap(
                                b -> {
                                    try {
                                        return Optional.of(HeartbeatRequest.parseFrom(b));
                                    } catch (InvalidProtocolBufferException e) {
                                        return Optional.empty();
                                    }
                                });
        NodeCapabilities capabilities = NodeMapper.fromWire(r.getCapabilities());
        return Optional.of(
                new RegisteredNode(
                        nodeId,
                        Libp2pKeys.decode(r.getPublicKey().toByteArray()).peerId(),
                        r.getOperatorAddress(),
                        r.getEndpoint(),
                        capabilities,
                        since,
                        beat.map(h -> Instant.ofEpochSecond(h.getTimestamp())),
                        beat.map(h -> NodeMapper.fromWire(h.getMetrics()))));
    }

    @Override
    public String queueCommand(String nodeId, String type, byte[] payload) {
        CommandType wireType;
        try {
            wireType = CommandType.valueOf("COMMAND_TYPE_" + type.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            wireType = null;
        }
        if (wireType == null || wireType == CommandType.COMMAND_TYPE_UNSPECIFIED) {
            throw new InvalidArgumentException(
                    "command type '" + type + "' is not deploy, stop, update or drain");
        }
        NodeStore nodes = store();
        requireRegistered(nodes, nodeId);
        String id = UUID.randomUUID().toString();
        // keys sort by time, so commands are delivered in the order they were queued
        String key =
                String.format(
                        "%s%s/%020d-%s",
                        COMMAND,
                        nodeId,
                        System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000,
                        id);
        nodes.put(
                key,
                NodeCommand.newBuilder()
                        .setCommandId(id)
                        .setType(wireType)
                        .setPayload(ByteString.copyFrom(payload))
                        .build()
                        .toByteArray());
        return id;
    }
}
