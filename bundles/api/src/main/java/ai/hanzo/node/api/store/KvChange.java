package ai.hanzo.node.api.store;

import java.util.Optional;

/**
 * A change in the key-value area, as delivered to {@link NodeStore#watch} listeners.
 *
 * @param key the key that changed
 * @param value the new value; empty when the key was deleted
 */
public record KvChange(String key, Optional<byte[]> value) {
    /**
     * @return whether the key was deleted
     */
    public boolean deleted() {
        return value.isEmpty();
    }
}
