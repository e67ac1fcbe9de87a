package ai.hanzo.node.api.node;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The other nodes registered with this one when it acts as their coordinator (gRPC {@code
 * RegisterNode}, {@code Heartbeat}, {@code UpdateCapabilities}), and the commands queued for them.
 * A registration is active only once the registering node proved it holds its key. Persisted in the
 * node store. Provided by the rpc bundle while the store is there.
 */
@ProviderType
public interface NodeRegistry {
    /**
     * @return every active registration
     */
    List<RegisteredNode> nodes();

    /**
     * @param nodeId a node id
     * @return its registration, if active
     */
    Optional<RegisteredNode> node(String nodeId);

    /**
     * Queues a command; the node receives it with its next heartbeat's answer, once.
     *
     * @param nodeId a registered node
     * @param type the command type: {@code deploy}, {@code stop}, {@code update} or {@code drain}
     * @param payload what the command carries, opaque to the registry
     * @return the command's id
     * @throws ai.hanzo.node.api.NotFoundException if the node is not registered
     * @throws ai.hanzo.node.api.InvalidArgumentException if the type is unknown
     */
    String queueCommand(String nodeId, String type, byte[] payload);
}
