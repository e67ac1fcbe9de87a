package ai.hanzo.node.p2p.internal.pubsub;

import ai.hanzo.node.api.p2p.PubsubMessage;

/**
 * An application check of messages on a topic (gossipsub v1.1 extended validation), run after the
 * signature check and before a message is delivered or forwarded. It runs on the router's event
 * loop, so it must be quick and must not block.
 */
@FunctionalInterface
public interface MessageValidator {
    /** The outcome of validation. */
    enum Result {
        /** Deliver and forward. */
        ACCEPT,
        /** Invalid: drop, and count against the peer that sent it (P4). */
        REJECT,
        /**
         * Drop without penalty (e.g. a duplicate the application already has, or one it cannot
         * judge yet).
         */
        IGNORE
    }

    /**
     * @return what to do with {@code message}
     */
    Result validate(PubsubMessage message);
}
