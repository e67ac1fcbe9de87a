package ai.hanzo.node.api.p2p;

import java.time.Instant;

/**
 * A message received on a pubsub topic. Its signature has been verified before delivery.
 *
 * @param topic the topic it was published on
 * @param from the peer id of its author
 * @param seqno the author's sequence number
 * @param data the payload
 * @param receivedAt when this node received it
 */
public record PubsubMessage(
        String topic, String from, long seqno, byte[] data, Instant receivedAt) {}
