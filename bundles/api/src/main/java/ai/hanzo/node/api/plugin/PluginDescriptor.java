package ai.hanzo.node.api.plugin;

import java.util.Objects;

/**
 * What a plugin says about itself, read from its bundle manifest. The name header marks a bundle as
 * a plugin; the version is the bundle's {@code Bundle-Version}.
 *
 * <pre>
 * Hanzo-Plugin-Name: runc
 * Hanzo-Plugin-Kind: runtime
 * Hanzo-Plugin-Description: Runs OCI bundles with runc
 * Hanzo-Plugin-Author: Example Inc.
 * </pre>
 *
 * @param name the plugin's name, unique on a node (letters, digits, {@code .-_})
 * @param version the bundle version
 * @param kind what the plugin adds
 * @param description one line for operators; empty when the header is missing
 * @param author who made it; empty when the header is missing
 * @param symbolicName the bundle's symbolic name
 */
public record PluginDescriptor(
        String name,
        String version,
        PluginKind kind,
        String description,
        String author,
        String symbolicName) {
    /** Header that marks a bundle as a plugin and names it. */
    public static final String NAME_HEADER = "Hanzo-Plugin-Name";

    /** Header with the plugin's kind: {@code runtime}, {@code engine} or {@code other}. */
    public static final String KIND_HEADER = "Hanzo-Plugin-Kind";

    /** Header with a one-line description. */
    public static final String DESCRIPTION_HEADER = "Hanzo-Plugin-Description";

    /** Header naming the author. */
    public static final String AUTHOR_HEADER = "Hanzo-Plugin-Author";

    /** Rejects missing values. */
    public PluginDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(author, "author");
        Objects.requireNonNull(symbolicName, "symbolicName");
    }
}
