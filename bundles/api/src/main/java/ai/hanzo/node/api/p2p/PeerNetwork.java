package ai.hanzo.node.api.p2p;

import ai.hanzo.node.api.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The node's libp2p network: connections, gossipsub publish/subscribe and Kademlia content routing.
 * Asynchronous operations complete exceptionally with a {@link ai.hanzo.node.api.NodeException}
 * that says what failed.
 */
@ProviderType
public interface PeerNetwork {
    /**
     * @return this node's peer id, base58btc, stable across restarts
     */
    String localPeerId();

    /**
     * @return the multiaddrs this node listens on, each ending in {@code /p2p/<peer id>}
     */
    List<String> listenAddresses();

    /**
     * @return the peers the node knows, connected or not
     */
    List<PeerInfo> peers();

    /**
     * @param multiaddr the peer's address, with or without {@code /p2p/<peer id>}
     * @return the peer once connected and identified
     */
    CompletionStage<PeerInfo> connect(String multiaddr);

    /**
     * @param peerId a connected peer
     * @return the measured round trip
     */
    CompletionStage<Duration> ping(String peerId);

    /**
     * @param topic the topic
     * @param data the payload, signed with the node's key before sending
     * @return completes when the message was handed to at least one peer, or fails when no peer
     *     subscribes to the topic
     */
    CompletionStage<Void> publish(String topic, byte[] data);

    /**
     * @param topic the topic to join
     * @param handler called for each message received on it, not for the node's own
     * @return the registration; close it to leave the topic when no one else listens
     */
    Subscription subscribe(String topic, Consumer<PubsubMessage> handler);

    /**
     * Announces in the DHT that this node provides {@code key} (re-announced while the node runs).
     *
     * @param key the content key, for example the multihash of a model name
     * @return completes once the record was stored on at least one peer
     */
    CompletionStage<Void> provide(byte[] key);

    /**
     * Stops re-announcing {@code key}; the records already stored on other peers expire there. Does
     * nothing for a key this node does not provide.
     *
     * @param key a key given to {@link #provide(byte[])}
     */
    void stopProviding(byte[] key);

    /**
     * @param key the content key
     * @param max how many providers are enough
     * @param timeout how long to search
     * @return the providers found, possibly none
     */
    CompletionStage<List<PeerInfo>> findProviders(byte[] key, int max, Duration timeout);
}
