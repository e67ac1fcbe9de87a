package ai.hanzo.node.runtime.docker.internal;

import ai.hanzo.node.api.InvalidArgumentException;
import java.util.Locale;

/**
 * An image reference split the way the engine's pull call wants it.
 *
 * @param registry the registry host[:port], or empty when the reference names none
 * @param repository the repository with its registry, such as {@code 127.0.0.1:5000/hanzo/app}
 * @param tag the tag, or the digest ({@code sha256:...}); {@code latest} when neither was given
 * @param digest whether {@code tag} is a digest
 */
record ImageReference(String registry, String repository, String tag, boolean digest) {

    /**
     * @param reference a reference such as {@code busybox}, {@code repo/app:1}, {@code
     *     127.0.0.1:5000/app@sha256:...}
     * @param defaultRegistry the registry to put in front when the reference names none; empty to
     *     leave it to the engine
     * @return the parsed reference
     * @throws InvalidArgumentException for an empty or malformed reference
     */
    static ImageReference parse(String reference, String defaultRegistry) {
        String ref = reference == null ? "" : reference.trim();
        if (ref.isEmpty() || ref.chars().anyMatch(Character::isWhitespace)) {
            throw new InvalidArgumentException(
                    "image reference '" + reference + "' is empty or contains spaces");
        }
        String name = ref;
        String tag = "latest";
        boolean digest = false;
        int at = ref.indexOf('@');
        if (at >= 0) {
            name = ref.substring(0, at);
            tag = ref.substring(at + 1);
            digest = true;
        } else {
            int slash = ref.lastIndexOf('/');
            int colon = ref.lastIndexOf(':');
            if (colon > slash) {
                name = ref.substring(0, colon);
                tag = ref.substring(colon + 1);
            }
        }
        if (name.isEmpty() || tag.isEmpty() || name.endsWith("/") || name.startsWith("/")) {
            throw new InvalidArgumentException("image reference '" + reference + "' is malformed");
        }
        String registry = "";
        int firstSlash = name.indexOf('/');
        if (firstSlash > 0) {
            String first = name.substring(0, firstSlash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                registry = first;
            }
        }
        if (registry.isEmpty() && !defaultRegistry.isBlank()) {
            registry = defaultRegistry.trim();
            name = registry + "/" + name;
        }
        String path = registry.isEmpty() ? name : name.substring(registry.length() + 1);
        if (!path.equals(path.toLowerCase(Locale.ROOT))) {
            throw new InvalidArgumentException(
                    "image reference '" + reference + "': repository names are lowercase");
        }
        return new ImageReference(registry, name, tag, digest);
    }

    /**
     * @return the full reference, as the engine names the image once pulled
     */
    String canonical() {
        return repository + (digest ? "@" : ":") + tag;
    }
}
