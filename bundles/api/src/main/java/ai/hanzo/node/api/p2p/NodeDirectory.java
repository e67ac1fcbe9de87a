package ai.hanzo.node.api.p2p;

import ai.hanzo.node.api.Subscription;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The other Hanzo nodes of this node's network, learnt from their heartbeats ({@link
 * Topics#HEARTBEAT}) and announcements ({@link Topics#DEPLOYMENTS}); also what this node itself
 * announces. A node that has not been heard from for three heartbeat intervals is dropped.
 */
@ProviderType
public interface NodeDirectory {
    /**
     * @return the nodes heard from recently, most recently seen first
     */
    List<RemoteNode> nodes();

    /**
     * @param peerId a peer id in base58btc text form
     * @return that node, when heard from recently
     */
    Optional<RemoteNode> node(String peerId);

    /**
     * @return the capabilities this node announces now
     */
    Set<String> localCapabilities();

    /**
     * @param listener called, on a node thread, with the new view of a node whenever it appears or
     *     its capabilities or deployments change; must not block
     * @return the registration; close it to stop listening
     */
    Subscription onChange(Consumer<RemoteNode> listener);
}
