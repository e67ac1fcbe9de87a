package ai.hanzo.node.api.plugin;

import java.util.Locale;
import java.util.Optional;

/** What a plugin adds to the node, as its {@value PluginDescriptor#KIND_HEADER} header says. */
public enum PluginKind {
    /** One or more {@link ai.hanzo.node.api.runtime.ContainerRuntime} services. */
    RUNTIME,
    /** One or more {@link ai.hanzo.node.api.inference.InferenceEngine} services. */
    ENGINE,
    /** Anything else built against the api (event consumers, health indicators). */
    OTHER;

    /**
     * @param header the header's value, case-insensitive ({@code runtime}, {@code engine}, {@code
     *     other})
     * @return the kind, or empty when the value names none
     */
    public static Optional<PluginKind> parse(String header) {
        if (header == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(header.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException unknown) {
            return Optional.empty();
        }
    }

    /**
     * @return the header spelling, lower case
     */
    public String headerValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
